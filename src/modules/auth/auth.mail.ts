import { z } from "zod";
import type { Executor } from "../../db/client.ts";
import { defineMailTemplate, escapeHtml } from "../mail/mail.templates.ts";
import type { UserTokenPurpose } from "./auth.table.ts";
import type { EmailChangeJob } from "./email-change.mail.ts";
import type { Notice } from "./notices.mail.ts";

const LinkData = z.object({ name: z.string(), url: z.url() });

export const verifyEmailTemplate = defineMailTemplate({
  name: "auth.verify-email",
  data: LinkData,
  subject: () => "Confirm your email address",
  text: ({ name, url }) =>
    `Hello ${name},\n\nConfirm your email address by opening this link:\n${url}\n\n` +
    "The link works once and for 24 hours. If you did not create an account, ignore this mail.\n",
  html: ({ name, url }) =>
    `<p>Hello ${escapeHtml(name)},</p><p>Confirm your email address by opening this link:</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>` +
    "<p>The link works once and for 24 hours. If you did not create an account, ignore this mail.</p>",
});

export const resetPasswordTemplate = defineMailTemplate({
  name: "auth.reset-password",
  data: LinkData,
  subject: () => "Reset your password",
  text: ({ name, url }) =>
    `Hello ${name},\n\nSet a new password by opening this link:\n${url}\n\n` +
    "The link works once and for 30 minutes. If you did not ask for it, ignore this mail; " +
    "your password stays as it is.\n",
  html: ({ name, url }) =>
    `<p>Hello ${escapeHtml(name)},</p><p>Set a new password by opening this link:</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>` +
    "<p>The link works once and for 30 minutes. If you did not ask for it, ignore this mail; " +
    "your password stays as it is.</p>",
});

export const authMailTemplates = [verifyEmailTemplate, resetPasswordTemplate];

/** A message auth sends: a link (above) or a notice (./notices.mail.ts). */
export type AuthMail = { to: string; template: string; data: unknown };

/** What the `auth.send-link` job carries: ids, never the token, the link or the address. */
export type AuthLinkJob = {
  purpose: Extract<UserTokenPurpose, "email_verification" | "password_reset">;
  /** Null for a reset asked for an unknown or disabled email: the job then sends nothing. */
  userId: string | null;
};

/** What the `auth.notify` job carries: ids and a time, never the address, IP or user agent. */
export type AuthNoticeJob = {
  notice: Notice;
  userId: string;
  /** The session of the sign-in or the change, whose IP and user agent the mail shows. */
  sessionId: string | null;
  at: string;
  /** The identity provider's label (such as GitHub) of a link or unlink notice. */
  provider?: string | undefined;
};

/**
 * The mail module as auth uses it. The request only enqueues a job (inside its transaction, so
 * the job exists if and only if that commits); the job issues the token and sends the mail, so
 * the raw token exists only in that process and in the mail itself.
 */
export type AuthMailer = {
  enqueue(job: AuthLinkJob, tx: Executor): Promise<void>;
  /** Enqueues a security notice (`auth.notify`, ./notices.service.ts) in the caller's transaction. */
  notify(job: AuthNoticeJob, tx: Executor): Promise<void>;
  /** Enqueues an email change's link (`auth.email-change-link`, ./email-change.service.ts). */
  enqueueEmailChange(job: EmailChangeJob, tx: Executor): Promise<void>;
  /** Delivers at most once per key; `compose` runs only when nothing went out under it yet. */
  deliverOnce(
    key: string,
    compose: (tx: Executor) => Promise<AuthMail | undefined>,
  ): Promise<unknown>;
};

export function mailLink(appUrl: string, path: string, token: string): string {
  const url = new URL(path, `${appUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}
