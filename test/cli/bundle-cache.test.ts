import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_DIRS,
  bundleKey,
  buildWorkflowBundle,
  cachedBundle,
  ROOT,
} from '../../client/worker/bundle-cache';

describe('the workflow bundle cache', () => {
  // The oracle is webpack itself: the bundle's source map lists every module it took in.
  it('hashes every source of ours the bundle is built from', async () => {
    const code = await buildWorkflowBundle();
    const b64 = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,(\S+)/.exec(code)?.[1];
    const sources = (JSON.parse(Buffer.from(b64!, 'base64').toString()) as { sources: string[] }).sources;
    const ours = sources.filter((s) => s.startsWith(ROOT) && !s.includes('/node_modules/'));
    expect(ours.length).toBeGreaterThan(10);
    const outside = ours
      .map((s) => relative(ROOT, s))
      .filter((s) => !BUNDLE_DIRS.some((d) => s.startsWith(`${d}/`)));
    expect(outside).toEqual([]);
  }, 120_000);

  it('is keyed by content: the same sources reuse it, any change builds a new one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fsto-bundle-root-'));
    for (const d of BUNDLE_DIRS) await cp(join(ROOT, d), join(root, d), { recursive: true });
    await cp(join(ROOT, 'package-lock.json'), join(root, 'package-lock.json'));
    const state = await mkdtemp(join(tmpdir(), 'fsto-bundle-state-'));
    let builds = 0;
    const build = async () => `// bundle ${++builds}\n`;
    const first = await cachedBundle(state, build, root);
    const again = await cachedBundle(state, build, root);
    expect([first.built, again.built, again.codePath]).toEqual([true, false, first.codePath]);
    expect(await readFile(again.codePath, 'utf8')).toBe('// bundle 1\n');
    const key = await bundleKey(root);
    await writeFile(join(root, 'workflows', 'run.ts'), '// changed\n', { flag: 'a' });
    expect(await bundleKey(root)).not.toBe(key);
    const changed = await cachedBundle(state, build, root);
    expect([changed.built, changed.codePath === first.codePath, builds]).toEqual([true, false, 2]);
  });
});
