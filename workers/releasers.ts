import type { Releasers } from '../activities/ledger/reaper';
import { deviceReleasers } from '../activities/devices/release';
import { vmReleasers } from '../activities/vm';

/** Every resource kind's releaser, for compensation (releaseRun) and for the reaper. */
export function hostReleasers(deps: { stateDir: string }): Releasers {
  return {
    ...deviceReleasers({ stateDir: deps.stateDir }),
    ...vmReleasers(),
    // A VM slot is only its ledger entry: removing the entry gives it back.
    slot: async () => {},
  };
}
