import { z } from 'zod';

// Names end up in file names, loop-device back-references and guest serials: keep them boring.
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 characters from A-Z a-z 0-9 . _ -')
  .refine((s) => s !== '.' && s !== '..' && !s.includes('..'), 'must not contain ".."');

/** A Temporal workflow id we can use as a directory name. */
export const RunKey = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'use A-Z a-z 0-9 . _ -');
