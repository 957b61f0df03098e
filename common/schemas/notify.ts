import { z } from 'zod';

// Who hears about a night: a webhook (POST of a JSON summary) and/or mail through the host's
// sendmail. In a matrix spec (`notify:`), and/or on the worker (FSTO_NOTIFY_WEBHOOK,
// FSTO_NOTIFY_MAIL=a@x,b@y; both are used).

export const NotifySpec = z.strictObject({
  webhook: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'give an http:// or https:// URL, e.g. https://hooks.example/fsto')
    .optional(),
  mail: z
    .array(z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'give a mail address such as team@example.org'))
    .max(20, 'at most 20 mail addresses; use a list address')
    .optional(),
});
export type NotifySpec = z.infer<typeof NotifySpec>;
