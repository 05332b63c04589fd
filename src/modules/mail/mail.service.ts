import type { Db } from "../../db/client.ts";
import type { JobRun } from "../../jobs/define.ts";
import type { MailRepository } from "./mail.repository.ts";
import { MailSendPayload } from "./mail.schema.ts";
import type { MailTemplates } from "./mail.templates.ts";
import type { SmtpTransport } from "./mail.transport.ts";

type MailerDeps = {
  db: Db;
  mailRepository: MailRepository;
  templates: MailTemplates;
  /** Without one, messages go to the `mail_outbox` table (development). */
  smtp: SmtpTransport | undefined;
  from: string;
};

const OUTBOX_DAYS = 7;
// Longer than a failed job is kept for requeueing, so a requeued mail still finds its record.
const DELIVERY_DAYS = 35;
const DAY_MS = 24 * 3600 * 1000;

export function createMailer({ db, mailRepository, templates, smtp, from }: MailerDeps) {
  return {
    templates,
    transport: smtp ? ("smtp" as const) : ("outbox" as const),

    /** Throws when a payload names an unknown template or carries the wrong data. */
    check(payload: unknown): void {
      const message = MailSendPayload.parse(payload);
      templates.check(message.template, message.data);
    },

    /**
     * Sends once per delivery key (the payload's `key`, else the job id): a run repeated after a
     * crash finds the delivery record and stops. With the outbox the record and the message are
     * one transaction (exactly once); over SMTP a crash between the server's answer and the
     * record can resend, and the stable Message-ID lets the receiver drop that duplicate.
     */
    async deliver(payload: MailSendPayload, run: JobRun): Promise<"sent" | "duplicate"> {
      const message = MailSendPayload.parse(payload);
      const key = message.key ?? `job:${run.id}`;
      if (await mailRepository.findDelivery(key)) return "duplicate";
      const rendered = templates.render(message.template, message.data);
      const record = { key, to: message.to, template: message.template };
      if (!smtp) {
        return db.transaction(async (tx) => {
          const fresh = await mailRepository.insertDelivery({ ...record, transport: "outbox" }, tx);
          if (!fresh) return "duplicate";
          await mailRepository.insertOutbox({ to: message.to, ...rendered }, tx);
          return "sent";
        });
      }
      const messageId = `<${key.replace(/[^\w.-]/g, "_")}@stratum.mail>`;
      await smtp.send({ from, to: message.to, ...rendered, messageId });
      await mailRepository.insertDelivery({ ...record, transport: "smtp", messageId });
      return "sent";
    },

    /** The development outbox, newest first. */
    async latestOutbox(limit: number) {
      const rows = await mailRepository.listOutbox(limit);
      const items = rows.map(({ id, to, subject, text, html, createdAt }) => ({
        ...{ id, to, subject, text, html },
        createdAt: createdAt.toISOString(),
      }));
      return { items };
    },

    /** The mail module's step of the hourly cleanup. */
    async cleanup(now: Date): Promise<number> {
      const outbox = await mailRepository.removeOutboxBefore(
        new Date(now.getTime() - OUTBOX_DAYS * DAY_MS),
      );
      const deliveries = await mailRepository.removeDeliveriesBefore(
        new Date(now.getTime() - DELIVERY_DAYS * DAY_MS),
      );
      return outbox + deliveries;
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
