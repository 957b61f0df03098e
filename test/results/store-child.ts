import { openResultsStore } from '../../activities/results/store';

// A separate process recording runs into the same store, for the concurrent-writers test.
const [path, prefix, count] = process.argv.slice(2) as [string, string, string];
const store = openResultsStore(path);
for (let i = 0; i < Number(count); i++) {
  await store.recordRun(
    {
      workflowId: `${prefix}-${i}`,
      status: 'passed',
      resultsDir: `/tmp/${prefix}/${i}/results`,
      hostId: 'h1',
      kernelRelease: '6.1.0',
      tests: Array.from({ length: 50 }, (_, n) => ({
        name: `generic/${String(n).padStart(3, '0')}`,
        verdict: 'pass' as const,
        durationSec: n,
      })),
    },
    { fsConfig: prefix, host: 'h1' },
  );
}
