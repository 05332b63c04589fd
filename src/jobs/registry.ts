import { deleteAccountJob } from "../modules/account-deletion/account-deletion.jobs.ts";
import {
  sendAuthLinkJob,
  sendAuthNoticeJob,
  sendEmailChangeLinkJob,
} from "../modules/auth/auth.jobs.ts";
import { buildExportJob } from "../modules/exports/exports.jobs.ts";
import { mailSendJob } from "../modules/mail/mail.jobs.ts";
import { cleanupJob } from "./cleanup.ts";

/**
 * Every job the system knows. Adding one is two lines: import its definition from
 * `src/modules/<m>/<m>.jobs.ts` and list it here; `queue.send` then accepts its name and payload.
 */
export const jobs = [
  mailSendJob,
  cleanupJob,
  buildExportJob,
  deleteAccountJob,
  sendAuthLinkJob,
  sendAuthNoticeJob,
  sendEmailChangeLinkJob,
] as const;

export type Jobs = typeof jobs;
