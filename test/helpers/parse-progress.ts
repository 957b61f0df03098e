import { ProgressParser, type ProgressEvent } from '../../activities/verdicts/progress';

/** A whole stdout parsed at once by the product's incremental parser (tests feed samples so). */
export function parseProgress(stdout: string): ProgressEvent[] {
  const p = new ProgressParser();
  return [...p.push(stdout), ...p.end()];
}
