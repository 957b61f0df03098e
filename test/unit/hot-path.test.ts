import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hotPathViolations, importGraph } from '../../scripts/hot-path';

// The lint step's checker on a planted tree: a static import two files deep is caught, a
// dynamic one is not (that is the allowed way), a type-only one is not (erased).
describe('hot-path rule (npm run lint)', () => {
  it('names an entry whose static closure reaches a banned package, and only that', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsto-hotpath-'));
    await writeFile(join(dir, 'entry.ts'), "import { go } from './mid';\nexport const x = go;\n");
    await writeFile(
      join(dir, 'mid.ts'),
      [
        "import { Worker } from '@temporalio/worker';",
        "import type { Client } from 'pg';",
        'export const go = async (c?: Client) => [Worker, c, await import("node-sqlite3-wasm")];',
      ].join('\n'),
    );
    await writeFile(join(dir, 'clean.ts'), "export const go = async () => import('./mid');\n");
    const meta = await importGraph(['entry.ts', 'clean.ts'], dir);
    const rules = {
      'entry.ts': ['@temporalio/worker', 'pg', 'node-sqlite3-wasm'],
      'clean.ts': ['@temporalio/worker'],
    };
    expect(hotPathViolations(meta, rules)).toEqual([
      'entry.ts imports @temporalio/worker statically: load it with `await import()` where it is needed',
    ]);
    expect(hotPathViolations(meta, { 'gone.ts': [] })[0]).toMatch(/gone.ts: not found/);
  });
});
