import type { Db, Executor } from "../../db/client.ts";
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

/** A message a sender builds inside the job, e.g. around a secret that exists only there. */
export type ComposedMail = { to: string; template: string; data: unknown };
/** `compose` found nothing to send (the account is gone, the address already verified, …). */
export type DeliveryResult = "sent" | "duplicate" | "skipped";

/** Thrown inside the outbox transaction to roll back what `compose` wrote for a duplicate. */
class DuplicateDelivery extends Error {}

export function createMailer({ db, mailRepository, templates, smtp, from }: MailerDeps) {
  type Compose = (tx: Executor) => Promise<ComposedMail | undefined>;

  /** Composes inside a transaction, so what `compose` writes commits only with a rendered mail. */
  async function composeAndRender(compose: Compose, tx: Executor) {
    const mail = await compose(tx);
    return mail && { mail, rendered: templates.render(mail.template, mail.data) };
  }

  /**
   * Sends at most once per delivery key; `compose` runs only when nothing went out under the key
   * yet. With the outbox, what `compose` writes, the record and the message are one transaction.
   */
  async function deliverOnce(key: string, compose: Compose): Promise<DeliveryResult> {
    if (await mailRepository.findDelivery(key)) return "duplicate";
    if (!smtp) {
      return db
        .transaction(async (tx) => {
          const composed = await composeAndRender(compose, tx);
          if (!composed) return "skipped" as const;
          const { mail, rendered } = composed;
          const record = { key, to: mail.to, template: mail.template };
          const fresh = await mailRepository.insertDelivery({ ...record, transport: "outbox" }, tx);
          if (!fresh) throw new DuplicateDelivery();
          await mailRepository.insertOutbox({ to: mail.to, ...rendered }, tx);
          return "sent" as const;
        })
        .catch((error: unknown) => {
          if (error instanceof DuplicateDelivery) return "duplicate" as const;
          throw error;
        });
    }
    const composed = await db.transaction((tx) => composeAndRender(compose, tx));
    if (!composed) return "skipped";
    const { mail, rendered } = composed;
    const messageId = `<${key.replace(/[^\w.-]/g, "_")}@stratum.mail>`;
    await smtp.send({ from, to: mail.to, ...rendered, messageId });
    const record = { key, to: mail.to, template: mail.template };
    await mailRepository.insertDelivery({ ...record, transport: "smtp", messageId });
    return "sent";
  }

  /** Account deletion: the messages and delivery records sent to an address go. */
  async function removeAllTo(address: string | undefined): Promise<number> {
    if (!address) return 0;
    return db.transaction(async (tx) => {
      const outbox = await mailRepository.removeOutboxTo(address, tx);
      return outbox + (await mailRepository.removeDeliveriesTo(address, tx));
    });
  }

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
    async deliver(payload: MailSendPayload, run: JobRun): Promise<DeliveryResult> {
      const message = MailSendPayload.parse(payload);
      return deliverOnce(message.key ?? `job:${run.id}`, async () => message);
    },
    deliverOnce,
    removeAllTo,

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
