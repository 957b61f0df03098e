import {
  isPseudoTest,
  ReasonBudget,
  type RunPhase,
  type RunProgress,
  type TestResult,
} from '../common/schemas';

/**
 * The run's plain-data state: verdicts by test, the listed selection, expected durations.
 * Lives in workflow memory; queries and current details are derived from it.
 */
export class RunState {
  phase: RunPhase = 'claiming';
  hostId?: string;
  listed?: string[];
  expectedSec: Record<string, number> = {};
  current?: string;
  /** Final verdict per test; insertion order = order finished. */
  readonly results = new Map<string, TestResult>();
  /** Every verdict passes through it: the summary and cleanup's inputs stay bounded (tests.ts). */
  private readonly reasons = new ReasonBudget();

  record(result: TestResult): void {
    this.results.set(result.name, this.reasons.fit(result));
  }

  remaining(): string[] {
    return (this.listed ?? []).filter((t) => !this.results.has(t));
  }

  etaSec(): number | undefined {
    if (!this.listed) return undefined;
    return this.remaining().reduce((sum, t) => sum + (this.expectedSec[t] ?? 60), 0);
  }

  progress(): RunProgress {
    const eta = this.etaSec();
    // Tests only: a pseudo-test (`fsto/check`: where the guest died outside any test) is a verdict
    // of the run, not one of its tests.
    const done = [...this.results.keys()].filter((t) => !isPseudoTest(t)).length;
    return {
      phase: this.phase,
      ...(this.hostId ? { hostId: this.hostId } : {}),
      ...(this.current ? { currentTest: this.current } : {}),
      done,
      total: this.listed?.length ?? done,
      ...(eta !== undefined ? { etaSec: eta } : {}),
      finished: [...this.results.values()],
    };
  }

  /** Markdown for the Temporal UI's "current details". */
  details(): string {
    const p = this.progress();
    const counts = new Map<string, number>();
    for (const r of p.finished) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
    const lines = [
      `**${p.phase}** — ${p.done}/${p.total} tests done` +
        (p.etaSec !== undefined ? `, ETA ${Math.ceil(p.etaSec / 60)} min` : ''),
      p.currentTest ? `running \`${p.currentTest}\`` : '',
      [...counts].map(([v, n]) => `${v}: ${n}`).join(' · '),
    ];
    return lines.filter(Boolean).join('\n\n');
  }
}
