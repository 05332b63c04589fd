import { AppError } from "../../lib/errors.ts";
import type { Tracing } from "../../lib/tracing.types.ts";

export type OutgoingMail = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per delivery key, so a receiver can drop the duplicate of a resent message. */
  messageId: string;
};

/** Real delivery; the development outbox is not a transport but a table (see the mailer). */
export type SmtpTransport = { send(mail: OutgoingMail): Promise<{ messageId: string }> };

/** The server refused the message for good (5xx): retrying cannot help. */
export class MailRejectedError extends AppError {
  constructor(detail: string) {
    super(502, "mail_rejected", { detail });
  }
}

function isPermanentRejection(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

/** nodemailer is loaded only when SMTP is configured, not by every process that never sends. */
export async function createSmtpTransport(url: string): Promise<SmtpTransport & { close(): void }> {
  const { default: nodemailer } = await import("nodemailer");
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      try {
        const info = await transporter.sendMail(mail);
        return { messageId: info.messageId };
      } catch (error) {
        // 4xx answers and network errors are temporary: they reach the worker as-is and retry.
        if (isPermanentRejection(error)) {
          throw new MailRejectedError(error instanceof Error ? error.message : String(error));
        }
        throw error;
      }
    },
    close: () => transporter.close(),
  };
}

/** With tracing on, each message handed to the SMTP server is a span (never its address). */
export function tracedSmtp<T extends SmtpTransport>(transport: T, tracing: Tracing): T {
  if (!tracing.enabled) return transport;
  const attributes = { "network.protocol.name": "smtp" };
  return {
    ...transport,
    send: (mail) =>
      tracing.span("smtp send", { kind: "client", attributes }, () => transport.send(mail)),
  };
}
