import { z } from "zod";

/** The `mail.send` job payload: a template name and its data, rendered when the job runs. */
export const MailSendPayload = z.object({
  to: z.email(),
  template: z.string().min(1),
  data: z.record(z.string(), z.unknown()).default({}),
  /** A natural key (e.g. `verify:<tokenId>`) when the same mail may be enqueued twice. */
  key: z.string().min(1).max(200).optional(),
});
export type MailSendPayload = z.input<typeof MailSendPayload>;

export const OutboxMessageSchema = z.object({
  id: z.uuid(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  createdAt: z.iso.datetime(),
});

export const OutboxListSchema = z.object({ items: z.array(OutboxMessageSchema) });

export const OutboxQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
