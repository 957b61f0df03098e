import { join } from 'node:path';
import { parseOrThrow } from '../../common/errors';
import {
  DeviceSetSpec,
  POOL_VAR,
  resolveDevices,
  type DevicePlan,
  type PlannedDevice,
  type ResolvedDevice,
} from '../../common/schemas';

// The pure planner: specs → host sources, guest order (/dev/vda…), serials and fstests' env.
// It touches nothing; host checks are validate.ts's job.

const GUEST_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Serial the guest finds a disk by: unique per device (the letter), readable (the name). */
export function serialFor(guestIndex: number, name: string): string {
  return `fsto${GUEST_LETTERS[guestIndex]}-${name}`.slice(0, 20);
}

/**
 * fstests' common/config refuses SCRATCH_DEV together with SCRATCH_DEV_POOL ("should be unset
 * when SCRATCH_DEV_POOL is set") and takes the pool's first device as SCRATCH_DEV. So when a
 * pool exists, the SCRATCH_DEV device becomes the pool's head and SCRATCH_DEV is left unset.
 */
export function fstestsEnv(devices: readonly PlannedDevice[]): {
  env: Record<string, string>;
  notes: string[];
} {
  const env: Record<string, string> = {};
  const notes: string[] = [];
  const pool = devices
    .filter((d) => d.envVar === POOL_VAR)
    .map((d, i) => ({ d, key: d.envVarIndex ?? 1000 + i }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.d);
  const scratch = devices.find((d) => d.envVar === 'SCRATCH_DEV');
  for (const d of devices) {
    if (!d.envVar || d.envVar === POOL_VAR) continue;
    if (d.envVar === 'SCRATCH_DEV' && pool.length > 0) continue;
    env[d.envVar] = d.guestDevice;
  }
  if (pool.length > 0) {
    const members = scratch ? [scratch, ...pool] : pool;
    env[POOL_VAR] = members.map((d) => d.guestDevice).join(' ');
    notes.push(
      scratch
        ? `SCRATCH_DEV (${scratch.name}) is the first device of SCRATCH_DEV_POOL and SCRATCH_DEV is left unset: fstests takes the pool's first device as SCRATCH_DEV and refuses both`
        : 'SCRATCH_DEV is left unset: fstests takes the first device of SCRATCH_DEV_POOL as SCRATCH_DEV',
    );
  }
  return { env, notes };
}

function planned(d: ResolvedDevice, guestIndex: number): PlannedDevice {
  return {
    name: d.name,
    source: d.path !== undefined ? 'block' : d.useTmpfs ? 'tmpfs' : 'file',
    ...(d.path !== undefined ? { path: d.path } : {}),
    ...(d.size !== undefined ? { size: d.size, sizeBytes: d.sizeBytes } : {}),
    order: d.order,
    ...(d.envVar !== undefined ? { envVar: d.envVar } : {}),
    ...(d.envVarIndex !== undefined ? { envVarIndex: d.envVarIndex } : {}),
    readonly: d.readonly,
    requireEmpty: d.requireEmpty,
    guestDevice: `/dev/vd${GUEST_LETTERS[guestIndex]}`,
    serial: serialFor(guestIndex, d.name),
  };
}

/** Parse (refusing with a message naming field and fix) and plan. Host checks come after. */
export function planDeviceSet(spec: unknown): DevicePlan {
  const set = parseOrThrow(DeviceSetSpec, spec ?? {}, 'device spec');
  const ordered = resolveDevices(set).sort((a, b) => a.order - b.order || a.index - b.index);
  const devices = ordered.map(planned);
  const { env, notes } = fstestsEnv(devices);
  const bytes = (source: string) =>
    devices.filter((d) => d.source === source).reduce((s, d) => s + (d.sizeBytes ?? 0), 0);
  return { devices, env, tmpfsBytes: bytes('tmpfs'), fileBytes: bytes('file'), warnings: [], notes };
}

/** Where a run keeps its device files: everything it creates is below runDir. */
export function runPaths(stateDir: string, runKey: string) {
  const runDir = join(stateDir, 'runs', runKey);
  return {
    runDir,
    filesDir: join(runDir, 'devices'),
    tmpfsDir: join(runDir, 'tmpfs'),
    ledgerRoot: join(stateDir, 'ledger'),
    auditLog: join(stateDir, 'audit.log'),
  };
}

/** The backing file of a planned size device. Names are unique per run, so files are too. */
export function backingFileFor(stateDir: string, runKey: string, d: PlannedDevice): string {
  const p = runPaths(stateDir, runKey);
  return join(d.source === 'tmpfs' ? p.tmpfsDir : p.filesDir, `${d.name}.img`);
}
