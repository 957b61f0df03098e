import { describe, expect, it } from 'vitest';
import { matrixSeriesOf, nightName, nightOf } from '../../common/night';

// A scheduled night's name from the id the server gives it (hand-written expectations).

describe('night names', () => {
  it('names a scheduled night by its schedule and UTC date; other matrices have none', () => {
    expect(nightName('fsto-matrix-nightly-xfs-2026-12-03T03:00:00Z')).toBe('nightly-xfs 2026-12-03');
    expect(nightName('fsto-matrix-nightly-xfs-2026-12-03T03-00-00Z')).toBe('nightly-xfs 2026-12-03');
    expect(nightOf('fsto-matrix-nightly-xfs-2026-12-03T03:00:00Z')).toBe('2026-12-03T03:00:00Z');
    expect(matrixSeriesOf('fsto-matrix-nightly-xfs-2026-12-03T03:00:00Z')).toBe('fsto-matrix-nightly-xfs');
    expect(nightName('fsto-matrix-nightly-20261121-223015-3fa2')).toBeUndefined();
    expect(nightName('my-matrix')).toBeUndefined();
  });
});
