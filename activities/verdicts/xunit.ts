import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestResult } from '../../common/schemas';
import type { Beneath } from '../beneath';

// fstests' `-R xunit` report (common/report): <testsuite failures skipped tests time …> with
// <properties>, then one <testcase classname="xfstests.<section>" name="generic/001" time="6">
// per finished test: nothing inside for a pass, <skipped message="reason"/> (or <skipped/>) for
// not run, <failure message="…" type="TestFail"/> plus optional <system-out> (.full),
// <kernel-log> (.dmesg) and <system-err> (the diff) for a failure. Expunged tests are not in it.
//
// check rewrites the whole file before every test with the results so far and an empty suite
// time="" (result.xml.new, then mv), and once more at the section's end with the time set. So a
// guest that died mid-run leaves a result.xml without the running test and with time="", and at
// worst a truncated result.xml.new: both are read, complete test cases are salvaged.

export interface XunitCase {
  result: TestResult;
  /** <system-out>: the test's .full (failures only). */
  systemOut?: string;
  /** <system-err>: the diff of .out against .out.bad. */
  systemErr?: string;
  /** <kernel-log>: the .dmesg. */
  kernelLog?: string;
}

export interface XunitReport {
  cases: XunitCase[];
  /** The section's report was finished (suite time set); false mid-run or when salvaged. */
  complete: boolean;
  properties: Record<string, string>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '__cdata',
  isArray: (name) => ['testcase', 'property', '__cdata'].includes(name),
});

type Node = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function text(node: unknown): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return node.trim();
  const n = node as Node;
  const cdata = Array.isArray(n.__cdata) ? (n.__cdata as string[]).join('') : str(n['#text']);
  return cdata?.replace(/^\n/, '').replace(/\n$/, '');
}

function toCase(tc: Node): XunitCase {
  const name = str(tc.name) ?? '';
  const durationSec = Number(str(tc.time) ?? 0) || 0;
  const base = { name, durationSec };
  if (tc.failure !== undefined) {
    const failure = (typeof tc.failure === 'object' ? tc.failure : {}) as Node;
    const c: XunitCase = { result: { ...base, verdict: 'fail', reason: str(failure.message) ?? 'failed' } };
    const out = text(tc['system-out']);
    const err = text(tc['system-err']);
    const klog = text(tc['kernel-log']);
    if (out !== undefined) c.systemOut = out;
    if (err !== undefined) c.systemErr = err;
    if (klog !== undefined) c.kernelLog = klog;
    return c;
  }
  if (tc.skipped !== undefined) {
    const reason = typeof tc.skipped === 'object' ? str((tc.skipped as Node).message) : undefined;
    return { result: { ...base, verdict: 'notrun', ...(reason ? { reason } : {}) } };
  }
  return { result: { ...base, verdict: 'pass' } };
}

function parseWhole(xml: string): XunitReport | undefined {
  if (XMLValidator.validate(xml) !== true) return undefined;
  const suite = (parser.parse(xml) as Node).testsuite as Node | undefined;
  if (!suite || typeof suite !== 'object') return undefined;
  const props = ((suite.properties as Node | undefined)?.property ?? []) as Node[];
  return {
    cases: ((suite.testcase ?? []) as Node[]).map(toCase),
    complete: (str(suite.time) ?? '') !== '',
    properties: Object.fromEntries(props.map((p) => [str(p.name) ?? '', str(p.value) ?? ''])),
  };
}

/** Parse result.xml text; a truncated file yields its complete test cases and complete=false. */
export function parseXunit(xml: string): XunitReport | undefined {
  const whole = parseWhole(xml);
  if (whole) return whole;
  // Salvage: keep everything up to the last complete </testcase>, then close the suite.
  const start = xml.indexOf('<testsuite');
  const headEnd = xml.indexOf('</properties>');
  const cut = xml.lastIndexOf('</testcase>');
  if (start < 0 || headEnd < 0) return undefined;
  const body = cut > headEnd ? xml.slice(0, cut + '</testcase>'.length) : xml.slice(0, headEnd + 13);
  const salvaged = parseWhole(`${body}\n</testsuite>\n`);
  return salvaged && { ...salvaged, complete: false };
}

/** Where check writes the report: results/<section>/ with a sectioned config, else results/. */
export function reportDir(resultBase: string, section?: string): string {
  return section ? join(resultBase, section) : resultBase;
}

async function readIfAny(path: string, share?: Beneath): Promise<string | undefined> {
  return (share ? share.readText(path) : readFile(path, 'utf8')).catch(() => undefined);
}

/** Read result.xml (and a leftover result.xml.new), keeping whichever holds more test cases; under a guest's share through it. */
export async function readXunit(dir: string, share?: Beneath): Promise<XunitReport | undefined> {
  const reports = [join(dir, 'result.xml'), join(dir, 'result.xml.new')];
  let best: XunitReport | undefined;
  for (const path of reports) {
    const xml = await readIfAny(path, share);
    const rep = xml === undefined ? undefined : parseXunit(xml);
    if (rep && (!best || rep.cases.length > best.cases.length)) best = rep;
  }
  return best;
}
