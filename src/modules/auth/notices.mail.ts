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

/** A change to how the account signs in: what happened, and when. */
function changeTemplate(name: string, subject: string, what: string) {
  return defineMailTemplate({
    name,
    data: ChangeData,
    subject: () => subject,
    text: ({ name, at }) => textOf(name, what, [`When: ${when(at)}`]),
    html: ({ name, at }) => htmlOf(name, what, [`When: ${when(at)}`]),
  });
}

/** Every notice but the new sign-in's, by the name the `auth.notify` job gives it. */
export const changeNoticeTemplates = {
  password_changed: changeTemplate(
    "auth.password-changed",
    "Your password was changed",
    "The password of your account was changed.",
  ),
  mfa_enabled: changeTemplate(
    "auth.mfa-enabled",
    "Two-step sign-in was turned on",
    "Two-step sign-in with an authenticator app was turned on for your account.",
  ),
  mfa_disabled: changeTemplate(
    "auth.mfa-disabled",
    "Two-step sign-in was turned off",
    "Two-step sign-in was turned off for your account: a password alone now signs in.",
  ),
  recovery_codes_regenerated: changeTemplate(
    "auth.recovery-codes-regenerated",
    "New recovery codes were made",
    "New recovery codes were made for your account; the old ones no longer work.",
  ),
  recovery_code_used: changeTemplate(
    "auth.recovery-code-used",
    "A recovery code was used",
    "A recovery code was used to sign in to your account, or to confirm who you are; it cannot be used again.",
  ),
};

export type ChangeNotice = keyof typeof changeNoticeTemplates;

const PASSKEY_ADDED =
  "A passkey was added to your account: it can now sign in without the password.";
const PASSKEY_REMOVED = "A passkey was removed from your account: it can no longer sign in.";

export const passkeyAddedTemplate = defineMailTemplate({
  name: "auth.passkey-added",
  data: SignInData,
  subject: () => "A passkey was added to your account",
  text: (data) => textOf(data.name, PASSKEY_ADDED, signInDetails(data)),
  html: (data) => htmlOf(data.name, PASSKEY_ADDED, signInDetails(data)),
});

export const passkeyRemovedTemplate = defineMailTemplate({
  name: "auth.passkey-removed",
  data: SignInData,
  subject: () => "A passkey was removed from your account",
  text: (data) => textOf(data.name, PASSKEY_REMOVED, signInDetails(data)),
  html: (data) => htmlOf(data.name, PASSKEY_REMOVED, signInDetails(data)),
});

/** The notices that show the session they came from: when, its IP and its user agent. */
export const sessionNoticeTemplates = {
  new_sign_in: newSignInTemplate,
  passkey_added: passkeyAddedTemplate,
  passkey_removed: passkeyRemovedTemplate,
};

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

export type SessionNotice = keyof typeof sessionNoticeTemplates;

/** Link and unlink of an identity provider: what happened, when, and which provider. */
export const identityNoticeTemplates = {
  identity_linked: identityLinkedTemplate,
  identity_unlinked: identityUnlinkedTemplate,
};

export type IdentityNotice = keyof typeof identityNoticeTemplates;
export type Notice = SessionNotice | ChangeNotice | IdentityNotice;
export const NOTICES = [
  ...Object.keys(sessionNoticeTemplates),
  ...Object.keys(changeNoticeTemplates),
  ...Object.keys(identityNoticeTemplates),
] as [Notice, ...Notice[]];

export const isChangeNotice = (notice: string): notice is ChangeNotice =>
  Object.hasOwn(changeNoticeTemplates, notice);
export const isIdentityNotice = (notice: string): notice is IdentityNotice =>
  Object.hasOwn(identityNoticeTemplates, notice);

/** Security notices: no link and no secret in any of them, only what happened, when and where. */
export const noticeMailTemplates = [
  ...Object.values(sessionNoticeTemplates),
  ...Object.values(changeNoticeTemplates),
  ...Object.values(identityNoticeTemplates),
];
