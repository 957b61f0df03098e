import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The fixture suite's own oracle: tests/<dir>/expected, the verdict each test must get, written
// down by hand beside the tests (not produced by fsto, nor read from a result.xml).

export const FIXTURE_SUITE = fileURLToPath(new URL('../fixtures/fstests', import.meta.url));

/** guest: in an fsto guest (fsto.guest=1); host: anywhere else, with FSTO_FIXTURE_KMSG=1. */
export type Place = 'guest' | 'host';

/** `dir/NNN` → verdict for every test listed in tests/<dir>/expected. */
export async function expectedVerdicts(
  dir: string,
  place: Place,
  suite = FIXTURE_SUITE,
): Promise<Record<string, string>> {
  const text = await readFile(join(suite, 'tests', dir, 'expected'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length === 1 && words[0] === '') continue;
    const [num, guest, host] = words;
    if (words.length !== 3 || !/^\d{3}$/.test(num!))
      throw new Error(`tests/${dir}/expected: bad line: ${line}`);
    out[`${dir}/${num}`] = place === 'guest' ? guest! : host!;
  }
  return out;
}

/** The oracle restricted to some tests (each must be listed). */
export function pick(oracle: Record<string, string>, tests: string[]): Record<string, string> {
  return Object.fromEntries(
    tests.map((t) => {
      const v = oracle[t];
      if (!v) throw new Error(`${t}: not in the suite's expected file`);
      return [t, v];
    }),
  );
}
