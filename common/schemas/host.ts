import { z } from 'zod';

/** What a host advertises when it claims a run. */
export const HostCapabilities = z.object({
  hostId: z.string(),
  hostQueue: z.string(),
  kvm: z.boolean(),
  cpus: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  vmSlots: z.number().int().positive(),
  tmpfsBudgetBytes: z.number().int().nonnegative(),
  kernels: z.array(z.string()),
});
export type HostCapabilities = z.infer<typeof HostCapabilities>;

export const ClaimRequest = z.object({ requireKvm: z.boolean() });
export type ClaimRequest = z.infer<typeof ClaimRequest>;
