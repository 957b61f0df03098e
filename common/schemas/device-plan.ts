import { z } from 'zod';
import { Name } from './names';

// What the planner hands the host (DevicePlan) and what the host hands back while it holds the
// devices (HeldDevices). Both cross the workflow boundary.

export const DeviceSource = z.enum(['file', 'tmpfs', 'block']);
export type DeviceSource = z.infer<typeof DeviceSource>;

/** virtio-blk serials are at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
export const Serial = z.string().regex(/^[A-Za-z0-9._-]{1,20}$/);

export const GuestDevice = z.string().regex(/^\/dev\/vd[a-z]$/);

export const PlannedDevice = z.strictObject({
  name: Name,
  /** file: sparse file on disk; tmpfs: sparse file on the run's tmpfs; block: an existing device. */
  source: DeviceSource,
  /** The existing block device (source block). */
  path: z.string().optional(),
  size: z.string().optional(),
  sizeBytes: z.number().int().positive().optional(),
  order: z.number().int().nonnegative(),
  envVar: z.string().optional(),
  envVarIndex: z.number().int().nonnegative().optional(),
  readonly: z.boolean(),
  requireEmpty: z.boolean(),
  guestDevice: GuestDevice,
  serial: Serial,
});
export type PlannedDevice = z.infer<typeof PlannedDevice>;

export const DevicePlan = z.strictObject({
  /** In guest order: the first is /dev/vda. */
  devices: z.array(PlannedDevice),
  /** fstests' variables, in guest device names. */
  env: z.record(z.string(), z.string()),
  tmpfsBytes: z.number().int().nonnegative(),
  fileBytes: z.number().int().nonnegative(),
  /** Things worth knowing that do not stop the run (e.g. sparse files larger than free space). */
  warnings: z.array(z.string()),
  /** How the plan reads the spec (e.g. SCRATCH_DEV folded into SCRATCH_DEV_POOL). */
  notes: z.array(z.string()),
});
export type DevicePlan = z.infer<typeof DevicePlan>;

export const HeldDevice = z.object({
  name: Name,
  envVar: z.string().optional(),
  /** /dev/loopN, or the block device given. */
  hostPath: z.string(),
  guestDevice: GuestDevice,
  serial: Serial,
  readonly: z.boolean(),
});
export type HeldDevice = z.infer<typeof HeldDevice>;

export const HeldDevices = z.object({
  /** In guest order: pass them to the VM in this order. */
  devices: z.array(HeldDevice),
  env: z.record(z.string(), z.string()),
});
export type HeldDevices = z.infer<typeof HeldDevices>;
