import { afterEach, describe, expect, it } from 'vitest';
import { doctorChecks } from '../../client/doctor/doctor';

// Real checks on this host (no KVM probe: it costs a 20 s boot here and is covered in test/vm).
describe('fsto doctor', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('passes on a host set up by scripts/setup-host.sh', async () => {
    const failed = (await doctorChecks({ kvmProbe: false })).filter((c) => !c.ok && !c.optional);
    expect(failed).toEqual([]);
  });

  it('fails a missing Temporal CLI with the fix, and only warns for an optional tool', async () => {
    process.env.FSTO_TEMPORAL_BIN = '/nonexistent/temporal';
    process.env.FSTO_VNG_BIN = '/nonexistent/vng';
    const checks = await doctorChecks({ kvmProbe: false });
    const temporal = checks.find((c) => c.name === 'temporal')!;
    expect(temporal).toMatchObject({ ok: false, fix: expect.stringMatching(/setup-host\.sh/) as unknown });
    expect(temporal.optional).toBeFalsy();
    expect(checks.find((c) => c.name === 'virtme-ng')).toMatchObject({ ok: false, optional: true });
  });
});
