import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareReleases, kernelRelease, listKernels } from '../../activities/host/kernel';

describe('kernel images', () => {
  it('reads the release from a bzImage header', async () => {
    const img = Buffer.alloc(0x1000);
    img.write('HdrS', 0x202, 'latin1');
    img.writeUInt16LE(0x300, 0x20e); // version string at 0x300 + 0x200
    img.write('6.12.3-fsto (builder@host) #1 SMP', 0x500, 'latin1');
    const file = join(await mkdtemp(join(tmpdir(), 'fsto-k-')), 'vmlinuz');
    await writeFile(file, img);
    expect(await kernelRelease(file)).toBe('6.12.3-fsto');
  });

  it('says undefined for something that is not a bzImage', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'fsto-k-')), 'not-a-kernel');
    await writeFile(file, Buffer.alloc(0x1000));
    expect(await kernelRelease(file)).toBeUndefined();
  });

  it('orders releases numerically, newest first in /boot listings', async () => {
    expect(compareReleases('6.10.0', '6.9.0')).toBeGreaterThan(0);
    const boot = await mkdtemp(join(tmpdir(), 'fsto-boot-'));
    for (const r of ['6.9.1', '6.10.0', '6.1.0-26-amd64']) await writeFile(join(boot, `vmlinuz-${r}`), '');
    await writeFile(join(boot, 'config-6.10.0'), '');
    expect(await listKernels(boot)).toEqual(
      ['6.10.0', '6.9.1', '6.1.0-26-amd64'].map((r) => join(boot, `vmlinuz-${r}`)),
    );
  });
});
