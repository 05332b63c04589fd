import { z } from "zod";
import { defineMailTemplate, escapeHtml } from "../mail/mail.templates.ts";

const when = (at: string) => `${at.slice(0, 16).replace("T", " ")} UTC`;

const NOT_YOU =
  "If this was not you, reset your password at once (“Forgot password” on the sign-in page): " +
  "a reset ends every session.";

function textOf(name: string, what: string, details: string[]) {
  return `Hello ${name},\n\n${what}\n\n${details.join("\n")}\n\n${NOT_YOU}\n`;
}

function htmlOf(name: string, what: string, details: string[]) {
  const items = details.map((line) => `<li>${escapeHtml(line)}</li>`).join("");
  return (
    `<p>Hello ${escapeHtml(name)},</p><p>${escapeHtml(what)}</p><ul>${items}</ul>` +
    `<p>${escapeHtml(NOT_YOU)}</p>`
  );
}

/** When and from where: what lets the owner tell their own doing from someone else's. */
const SignInData = z.object({
  name: z.string(),
  at: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
const signInDetails = ({ at, ip, userAgent }: z.output<typeof SignInData>) => [
  `When: ${when(at)}`,
  `IP address: ${ip ?? "unknown"}`,
  `Device: ${userAgent?.slice(0, 200) || "an unknown client"}`,
];
const SIGN_IN = "Your account was signed in to from a device it has not seen before.";

export const newSignInTemplate = defineMailTemplate({
  name: "auth.new-sign-in",
  data: SignInData,
  subject: () => "New sign-in to your account",
  text: (data) => textOf(data.name, SIGN_IN, signInDetails(data)),
  html: (data) => htmlOf(data.name, SIGN_IN, signInDetails(data)),
});

const ChangeData = z.object({ name: z.string(), at: z.iso.datetime() });
const PASSWORD = "The password of your account was changed.";

export const passwordChangedTemplate = defineMailTemplate({
  name: "auth.password-changed",
  data: ChangeData,
  subject: () => "Your password was changed",
  text: ({ name, at }) => textOf(name, PASSWORD, [`When: ${when(at)}`]),
  html: ({ name, at }) => htmlOf(name, PASSWORD, [`When: ${when(at)}`]),
});

const IdentityData = z.object({ name: z.string(), at: z.iso.datetime(), provider: z.string() });
const linked = (provider: string) => `Your ${provider} account can now sign in to your account.`;
const unlinked = (provider: string) =>
  `Your ${provider} account can no longer sign in to your account.`;

export const identityLinkedTemplate = defineMailTemplate({
  name: "auth.identity-linked",
  data: IdentityData,
  subject: ({ provider }) => `${provider} was linked to your account`,
  text: ({ name, at, provider }) => textOf(name, linked(provider), [`When: ${when(at)}`]),
  html: ({ name, at, provider }) => htmlOf(name, linked(provider), [`When: ${when(at)}`]),
});

export const identityUnlinkedTemplate = defineMailTemplate({
  name: "auth.identity-unlinked",
  data: IdentityData,
  subject: ({ provider }) => `${provider} was unlinked from your account`,
  text: ({ name, at, provider }) => textOf(name, unlinked(provider), [`When: ${when(at)}`]),
  html: ({ name, at, provider }) => htmlOf(name, unlinked(provider), [`When: ${when(at)}`]),
});

/** Security notices: no link and no secret in any of them, only what happened, when and where. */
export const noticeMailTemplates = [
  newSignInTemplate,
  passwordChangedTemplate,
  identityLinkedTemplate,
  identityUnlinkedTemplate,
];
