import type { Ledger } from '../activities/ledger/ledger';
import type { Releasers } from '../activities/ledger/reaper';

/** Every resource kind's releaser, for the reaper. Devices and VMs register theirs here. */
export function hostReleasers(_deps: { ledger: Ledger; stateDir: string }): Releasers {
  return {};
}
