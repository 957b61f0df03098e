import { afterEach, beforeEach, vi } from 'vitest';

/** What the CLI printed during each test (console.log → out, console.error → err). */
export function captureConsole(): { out: string[]; err: string[] } {
  const captured = { out: [] as string[], err: [] as string[] };
  beforeEach(() => {
    captured.out.length = 0;
    captured.err.length = 0;
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void captured.out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void captured.err.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());
  return captured;
}
