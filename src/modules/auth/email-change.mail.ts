import { z } from "zod";
import { defineMailTemplate, escapeHtml } from "../mail/mail.templates.ts";

export const confirmEmailChangeTemplate = defineMailTemplate({
  name: "auth.confirm-email-change",
  data: z.object({ name: z.string(), url: z.url() }),
  subject: () => "Confirm your new email address",
  text: ({ name, url }) =>
    `Hello ${name},\n\nMake this the email address of your account by opening this link:\n${url}\n\n` +
    "The link works once and for 1 hour. Until then you sign in with your current address. " +
    "If you did not ask for this, ignore this mail.\n",
  html: ({ name, url }) =>
    `<p>Hello ${escapeHtml(name)},</p><p>Make this the email address of your account by opening this link:</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>` +
    "<p>The link works once and for 1 hour. Until then you sign in with your current address. " +
    "If you did not ask for this, ignore this mail.</p>",
});

const UNDO =
  "If this was not you, open this link to put this address back and sign every session out; " +
  "then reset your password. It works once and for 7 days:";

export const emailChangedTemplate = defineMailTemplate({
  name: "auth.email-changed",
  data: z.object({ name: z.string(), newEmail: z.string(), url: z.url() }),
  subject: () => "The email address of your account was changed",
  text: ({ name, newEmail, url }) =>
    `Hello ${name},\n\nYour account now signs in with ${newEmail}, not with this address.\n\n` +
    `${UNDO}\n${url}\n`,
  html: ({ name, newEmail, url }) =>
    `<p>Hello ${escapeHtml(name)},</p><p>Your account now signs in with ${escapeHtml(newEmail)}, ` +
    `not with this address.</p><p>${escapeHtml(UNDO)}</p>` +
    `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`,
});

export const emailChangeMailTemplates = [confirmEmailChangeTemplate, emailChangedTemplate];

/** What the `auth.email-change-link` job carries: ids, never a token or an address. */
export type EmailChangeJob = { purpose: "email_change" | "email_change_undo"; userId: string };
