// kvm-xfstests' shorthands, as words among the tests (xfstests-bld run-fstests/util/parse_cli):
//   smoke  the primary filesystem's default config, -g smoketest, SOAK_DURATION=3m
//   quick  -g quick
//   full   -g auto, on every config of the primary filesystem (<fs>/all) unless -c names some
// They add to what the flags say; tests named beside them run too.

export interface Expanded {
  tests: string[];
  groups: string[];
  /** Configs the shorthand implies when -c gives none. */
  configs?: string[];
  soak?: string;
}

export function expandShorthands(words: readonly string[], primaryFs: string): Expanded {
  const out: Expanded = { tests: [], groups: [] };
  for (const w of words) {
    if (w === 'smoke') {
      out.groups.push('smoketest');
      out.configs ??= [`${primaryFs}/default`];
      out.soak = '3m';
    } else if (w === 'quick') out.groups.push('quick');
    else if (w === 'full') {
      out.groups.push('auto');
      out.configs = [`${primaryFs}/all`];
    } else out.tests.push(w);
  }
  out.groups = [...new Set(out.groups)];
  return out;
}
