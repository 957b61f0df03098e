import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { compareStored, loadSide } from '../../activities/results/baseline';
import { listCount } from '../../activities/results/compare-bound';
import { nightName } from '../../common/night';
import { renderJunitAggregate, suitesFromRows } from '../../activities/results/junit-aggregate';
import { formatDuration } from '../../activities/results/report-html';
import { writeReport } from '../../activities/results/report-files';
import { openResultsStore, resultsLocation } from '../../activities/results/store';
import {
  isFailing,
  RAN_VERDICTS,
  type ComparedTest,
  type Comparison,
  type ResultRow,
  type RunRecord,
} from '../../common/schemas';
import { EXIT } from '../core/exit-codes';

// Queries over the results store (<stateDir>/results.sqlite, or a cluster's PostgreSQL store
// with --results-url / FSTO_RESULTS_URL): no Temporal needed, so they work after the server's
// retention dropped a run, and on a laptop with a copied file.
//   fsto runs [--last N]              what ran lately (nights, configs), with verdict counts
//   fsto history <test>               a test's verdicts over recent runs, and its failure rate
//   fsto compare <base> <current>     regressions first; exit 1 when something regressed
//   fsto report <id>                  the HTML report (and --junit) of a run or a matrix

interface StoreOpts {
  store: string;
  resultsUrl?: string;
  json?: boolean;
}

const storeOption = (cmd: Command) =>
  cmd
    .option(
      '--store <file|url>',
      'results store: a SQLite file or postgres:// URL (env FSTO_RESULTS_URL, FSTO_RESULTS_DB)',
      resultsLocation(),
    )
    .option('--results-url <url>', 'the results store as a URL (postgres://…); same as --store')
    .option('--json', 'print JSON');

const openStore = (f: StoreOpts) => openResultsStore(f.resultsUrl ?? f.store);

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive whole number, got '${v}'`);
  return n;
};

const day = (iso: string) => iso.replace('T', ' ').slice(0, 16);

function runLine(r: RunRecord): string {
  const counts = Object.entries(r.counts)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  // A scheduled night by its name (schedule + date); another matrix by its id.
  const night = r.matrixId ? nightName(r.matrixId) : undefined;
  const matrix = r.matrixId && !night ? ` [${r.matrixId}]` : '';
  return `${day(r.finishedAt)}  ${night ? `${night}  ` : ''}${r.workflowId}${matrix}  ${r.config}  ${r.kernelRelease ?? '?'}  ${r.status}  ${counts}`;
}

function historyLine(r: ResultRow): string {
  const why = r.crashSignature ?? r.reason ?? '';
  const flaky = r.flakyAttempts ? ` (passed on attempt ${r.flakyAttempts})` : '';
  return `${day(r.finishedAt)}  ${r.verdict.padEnd(8)} ${formatDuration(r.durationSec).padStart(6)}  ${r.config}  ${r.kernelRelease ?? '?'}  ${r.workflowId}${flaky}${why ? `  ${why}` : ''}`;
}

export function comparisonText(c: Comparison): string {
  const section = (
    title: string,
    key: keyof NonNullable<Comparison['more']>,
    items: readonly ComparedTest[],
    extra?: (t: ComparedTest) => string,
  ) => {
    const more = c.more?.[key] ?? 0;
    return items.length
      ? [
          `${title} (${items.length + more}):`,
          ...items.map(
            (t) =>
              `  ${t.test.padEnd(16)} ${t.config.padEnd(12)} ${t.base ?? 'absent'} -> ${t.current ?? 'absent'}${extra?.(t) ?? ''}`,
          ),
          ...(more ? [`  … and ${more} more${c.full ? ` (${c.full})` : ''}`] : []),
        ]
      : [];
  };
  const n = (k: Parameters<typeof listCount>[1]) => listCount(c, k);
  const rates = new Map(c.flaky.map((f) => [`${f.config}\t${f.test}`, f]));
  return [
    `${c.current} against ${c.base}: ${c.outcome.toUpperCase()}`,
    ...section('REGRESSIONS', 'regressions', c.regressions),
    ...section('fixes', 'fixes', c.fixes),
    ...section('flaky', 'flaky', c.flaky, (t) => {
      const f = rates.get(`${t.config}\t${t.test}`);
      return f ? `  fails ${Math.round(f.rate * 100)}% of ${f.runs} runs` : '';
    }),
    ...section('newly not run', 'newlyNotRun', c.newlyNotRun),
    ...section('still failing', 'stillFailing', c.stillFailing),
    `${n('regressions')} regressions, ${n('fixes')} fixes, ${n('stillFailing')} still failing, ${n('newlyNotRun')} newly not run, ${n('flaky')} flaky, ${n('added')} added, ${c.unchanged} unchanged`,
  ].join('\n');
}

export function registerResultsQueryCommands(program: Command): void {
  storeOption(
    program
      .command('runs')
      .description('recorded runs, newest first (from the results store)')
      .option('--last <n>', 'how many runs', positive, 20)
      .option('--config <name>', 'only this config')
      .option('--matrix <id>', 'only the runs of this matrix'),
  ).action(async (f: StoreOpts & { last: number; config?: string; matrix?: string }) => {
    const runs = await openStore(f).lastRuns(f.last, {
      ...(f.config ? { config: f.config } : {}),
      ...(f.matrix ? { matrixId: f.matrix } : {}),
    });
    const named = runs.map((r) => {
      const night = r.matrixId ? nightName(r.matrixId) : undefined;
      return night ? { ...r, night } : r;
    });
    if (f.json) console.log(JSON.stringify(named, null, 2));
    else console.log(runs.length ? runs.map(runLine).join('\n') : `no runs recorded in ${openStore(f).path}`);
  });

  storeOption(
    program
      .command('history')
      .description("a test's verdicts over recent runs, newest first, with its failure rate")
      .argument('<test>', 'e.g. generic/475')
      .option('--config <name>', 'only this config')
      .option('--last <n>', 'how many results', positive, 20),
  ).action(async (test: string, f: StoreOpts & { last: number; config?: string }) => {
    const rows = await openStore(f).testHistory(test, {
      limit: f.last,
      ...(f.config ? { config: f.config } : {}),
    });
    if (f.json) return console.log(JSON.stringify(rows, null, 2));
    if (!rows.length) return console.log(`no results for ${test} in ${openStore(f).path}`);
    const ran = rows.filter((r) => RAN_VERDICTS.has(r.verdict));
    const failed = ran.filter((r) => isFailing(r.verdict) || (r.flakyAttempts ?? 0) > 1).length;
    console.log(rows.map(historyLine).join('\n'));
    console.log(
      `${test}: failed in ${failed} of ${ran.length} runs that ran it (${rows.length} results shown)`,
    );
  });

  storeOption(
    program
      .command('compare')
      .description('compare two runs or matrices: regressions, fixes, still failing, newly not run, flaky')
      .argument('<base>', 'the baseline run or matrix id')
      .argument('<current>', 'the run or matrix id to judge'),
  ).action(async (base: string, current: string, f: StoreOpts) => {
    const { comparison } = await compareStored(openStore(f), base, current);
    console.log(f.json ? JSON.stringify(comparison, null, 2) : comparisonText(comparison));
    // Like `fsto run`: CI can gate on it. Only new failures fail it.
    process.exitCode = comparison.outcome === 'regressed' ? EXIT.testsFailed : EXIT.ok;
  });

  storeOption(
    program
      .command('report')
      .description('write the HTML report of a run or a matrix, with the diff against a baseline')
      .argument('<id>', 'a run (workflow id) or matrix id')
      .option('--baseline <id>', "run or matrix to compare with ('none': no diff; default: the previous one)")
      .option('--out <file.html>', 'where to write it (default: <stateDir>/reports/<id>.html)')
      .option('--junit <file.xml>', 'also write the aggregated JUnit (one testsuite per run)'),
  ).action(async (id: string, f: StoreOpts & { baseline?: string; out?: string; junit?: string }) => {
    const written = await writeReport(openStore(f), id, {
      ...(f.baseline ? { baseline: f.baseline } : {}),
      ...(f.out ? { out: f.out } : {}),
      ...(f.junit ? { junitOut: f.junit } : {}),
    });
    if (f.json) return console.log(JSON.stringify(written, null, 2));
    console.log(`report: ${pathToFileURL(written.path).href}`);
    if (f.junit) console.log(`junit: ${f.junit}`);
    console.log(written.comparison ? comparisonText(written.comparison) : 'no baseline to compare with');
  });

  storeOption(
    program
      .command('junit')
      .description('print (or --out) the aggregated JUnit XML of a recorded run or matrix')
      .argument('<id>', 'a run (workflow id) or matrix id')
      .option('--out <file.xml>', 'write it here instead of stdout'),
  ).action(async (id: string, f: StoreOpts & { out?: string }) => {
    const xml = renderJunitAggregate(suitesFromRows((await loadSide(openStore(f), id)).rows));
    if (f.out) await writeFile(f.out, xml);
    else process.stdout.write(xml);
  });
}
