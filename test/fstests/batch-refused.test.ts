import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFstestsActivities } from '../../activities/fstests/activities';
import { Ledger } from '../../activities/ledger/ledger';
import { INVALID_SPEC } from '../../common/errors';
import { BatchInput } from '../../common/schemas';
import { hostReleasers } from '../../workers/releasers';

// A batch whose config is refused before its VM boots (the user's config has no sections, and
// --section names one) must fail as InvalidSpec and leave no timer of its own behind: its
// heartbeat interval, left running, kept an embedded `fsto run` alive forever after its run had
// failed (issue 22). No VM is booted: the refusal comes first.

afterEach(() => void vi.useRealTimers());

describe('runTestBatch refused before boot', () => {
  it('fails as InvalidSpec and stops its heartbeat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-batch-refused-'));
    const configFile = join(dir, 'local.config');
    await writeFile(configFile, 'FSTYP=ext4\n');
    const input = BatchInput.parse({
      runKey: 'batch-refused',
      label: 'main-1',
      fstests: '/nonexistent',
      fs: 'ext4',
      kernel: '/nonexistent',
      vm: { backend: 'qemu', cpus: 1, memoryMiB: 512, accel: 'tcg', cmdline: [] },
      devices: { devices: [], env: {} },
      resultsDir: join(dir, 'results'),
      selection: { tests: ['fixture/001'], groups: [], excludeGroups: [] },
      list: false,
      configFile,
      section: 'foo',
      hang: { floorSec: 30, factor: 5, defaultSec: 30 },
    });
    const ledger = new Ledger(join(dir, 'ledger'));
    const deps = {
      ledger,
      stateDir: dir,
      releasers: hostReleasers({ stateDir: dir }),
      vm: { ledger, stateDir: dir, probeKvm: async () => ({ ok: false, reason: 'test' }) },
    };
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    // Through the activity factory, as the worker registers it: the library's refusal arrives as
    // Temporal's ApplicationFailure of the same type (activities/failures.ts).
    const { runTestBatch } = createFstestsActivities(deps);
    const err = await new MockActivityEnvironment().run(runTestBatch, input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(INVALID_SPEC);
    expect((err as Error).message).toMatch(/section: the config file has no \[sections\]/);
    expect(vi.getTimerCount()).toBe(0);
  });
});
