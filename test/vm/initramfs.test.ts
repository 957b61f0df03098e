import { mkdtemp, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../activities/vm/initramfs';

// The initramfs cache: a boot reuses the image its inputs made, and never one they no longer
// make. The oracle is the archive's own bytes (a newc cpio stores file data verbatim).
const dirs: string[] = [];
const tmp = async (p: string) => {
  const d = await mkdtemp(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const bytes = (path: string) => readFile(path, 'latin1');

describe('buildInitramfs', () => {
  it('reuses the image for the same inputs, and rebuilds one that was deleted', async () => {
    const cacheDir = await tmp('fsto-initramfs-');
    const input = {
      cacheDir,
      init: '#!/bin/sh\necho init-one\n',
      files: { 'agent.py': Buffer.from('agent-a') },
    };
    const first = await buildInitramfs(input);
    expect(await buildInitramfs(input)).toBe(first);
    await rm(first);
    const again = await buildInitramfs(input);
    expect(await bytes(again)).toContain('init-one');
  });

  it('a changed agent or init gives a new image with the new content', async () => {
    const cacheDir = await tmp('fsto-initramfs-');
    const a = await buildInitramfs({
      cacheDir,
      init: 'init-x',
      files: { 'agent.py': Buffer.from('agent-a') },
    });
    const b = await buildInitramfs({
      cacheDir,
      init: 'init-x',
      files: { 'agent.py': Buffer.from('agent-b') },
    });
    const c = await buildInitramfs({
      cacheDir,
      init: 'init-y',
      files: { 'agent.py': Buffer.from('agent-b') },
    });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(await bytes(b)).toContain('agent-b');
    expect(await bytes(b)).not.toContain('agent-a');
    expect(await bytes(c)).toContain('init-y');
  });

  it('modules rebuilt and re-indexed (modules.dep rewritten, as depmod does) give a new image', async () => {
    const cacheDir = await tmp('fsto-initramfs-');
    const modulesDir = await tmp('fsto-modules-');
    await mkdir(join(modulesDir, 'kernel'), { recursive: true });
    const install = async (content: string, when: number) => {
      await writeFile(join(modulesDir, 'kernel', 'overlay.ko'), content);
      await writeFile(join(modulesDir, 'modules.dep'), 'kernel/overlay.ko:\n');
      await utimes(join(modulesDir, 'modules.dep'), when, when);
    };
    const input = { cacheDir, init: 'init', modulesDir, modules: ['overlay'] };
    await install('module-build-one', 1_000_000);
    const one = await buildInitramfs(input);
    expect(await bytes(one)).toContain('module-build-one');
    await install('module-build-two', 2_000_000);
    const two = await buildInitramfs(input);
    expect(two).not.toBe(one);
    expect(await bytes(two)).toContain('module-build-two');
  });
});
