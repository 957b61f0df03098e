import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule } from 'vitest/node';
import SummaryReporter from '../setup/summary-reporter';

// A module as the reporter reads it: its tests' states, its own state, its diagnostic times (ms).
function mod(path: string, states: string[], ms: number): TestModule {
  const tests = states.map((state) => ({ result: () => ({ state }) }));
  return {
    moduleId: `${process.cwd()}/${path}`,
    state: () => (states.includes('failed') ? 'failed' : 'passed'),
    children: { allTests: () => tests[Symbol.iterator]() },
    diagnostic: () => ({
      environmentSetupDuration: 1,
      prepareDuration: 2,
      collectDuration: 3,
      setupDuration: 4,
      duration: ms - 10,
    }),
  } as unknown as TestModule;
}

describe('the summary reporter', () => {
  afterEach(() => vi.restoreAllMocks());

  it('names the 15 slowest files, slowest first, before the counts line, which stays last', () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => out.push(...s.split('\n')));
    const modules = Array.from({ length: 20 }, (_, i) =>
      mod(
        `test/f${String(i).padStart(2, '0')}.test.ts`,
        i === 3 ? ['failed', 'passed'] : ['passed'],
        (i + 1) * 1000,
      ),
    );
    new SummaryReporter().onTestRunEnd(modules);
    const named = out.filter((l) => l.includes(' s  test/'));
    expect(named).toHaveLength(15);
    expect(named[0]).toBe('    20.0 s  test/f19.test.ts');
    expect(named[14]).toBe('     6.0 s  test/f05.test.ts');
    expect(out.indexOf(named[14]!)).toBeLessThan(out.length - 1);
    expect(out.at(-1)).toBe('20 passed, 1 failed, 0 skipped');
  });
});
