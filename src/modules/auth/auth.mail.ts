import { z } from "zod";
import type { Executor } from "../../db/client.ts";
import { defineMailTemplate, escapeHtml } from "../mail/mail.templates.ts";

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

/** The two messages auth sends. */
export type AuthMail = {
  to: string;
  template: "auth.verify-email" | "auth.reset-password";
  data: z.input<typeof LinkData>;
};

/** Enqueues a message inside the caller's transaction: it is sent if and only if that commits. */
export type AuthMailer = { send(mail: AuthMail, tx: Executor): Promise<void> };

export function mailLink(appUrl: string, path: string, token: string): string {
  const url = new URL(path, `${appUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}
