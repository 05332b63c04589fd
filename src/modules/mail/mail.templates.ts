import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import type { MailSendPayload } from "./mail.schema.ts";

export type RenderedMail = { subject: string; text: string; html: string };

export type MailTemplate<Name extends string = string, Data extends z.ZodType = z.ZodType> = {
  name: Name;
  data: Data;
  subject(data: z.output<Data>): string;
  text(data: z.output<Data>): string;
  html(data: z.output<Data>): string;
};

/**
 * Declares a template. `template.message(to, data)` builds a typed `mail.send` payload, so a
 * caller gets compile-time checks without a global list of every module's templates.
 */
export function defineMailTemplate<const Name extends string, Data extends z.ZodType>(
  template: MailTemplate<Name, Data>,
) {
  return {
    ...template,
    message(to: string, data: z.input<Data>, key?: string): MailSendPayload {
      return { to, template: template.name, data: data as Record<string, unknown>, key };
    },
  };
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes a value for HTML text and attribute positions. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}

/** A template that names its data wrongly can never succeed: the job fails without retries. */
export class MailTemplateError extends AppError {
  constructor(detail: string) {
    super(422, "mail_template_invalid", { detail });
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds templates of every data type
type AnyTemplate = MailTemplate<string, any>;

/** The mail module's own template: lets an operator check that mail gets through. */
export const testMailTemplate = defineMailTemplate({
  name: "mail.test",
  data: z.object({ note: z.string().max(500).default("") }),
  subject: () => "Stratum test message",
  text: ({ note }) => `This is a test message from Stratum.${note ? `\n\n${note}` : ""}`,
  html: ({ note }) =>
    `<p>This is a test message from Stratum.</p>${note ? `<p>${escapeHtml(note)}</p>` : ""}`,
});

export function createMailTemplates(...initial: AnyTemplate[]) {
  const templates = new Map<string, AnyTemplate>();
  const registry = {
    add(...added: AnyTemplate[]) {
      for (const template of added) {
        if (templates.has(template.name)) {
          throw new Error(`Mail template "${template.name}" is registered twice`);
        }
        templates.set(template.name, template);
      }
      return registry;
    },
    has: (name: string) => templates.has(name),
    /** Enqueue-time check: an unknown template or bad data is a bug in the sender. */
    check(name: string, data: unknown): void {
      const template = templates.get(name);
      if (!template) throw new Error(`Unknown mail template "${name}"`);
      const parsed = template.data.safeParse(data);
      if (!parsed.success) {
        throw new Error(`Invalid data for mail template "${name}": ${parsed.error.message}`);
      }
    },
    render(name: string, data: unknown): RenderedMail {
      const template = templates.get(name);
      if (!template) throw new MailTemplateError(`Unknown mail template "${name}"`);
      const parsed = template.data.safeParse(data);
      if (!parsed.success) throw new MailTemplateError(parsed.error.message);
      return {
        subject: template.subject(parsed.data),
        text: template.text(parsed.data),
        html: template.html(parsed.data),
      };
    },
  };
  return registry.add(testMailTemplate, ...initial);
}

export type MailTemplates = ReturnType<typeof createMailTemplates>;
