// Turns a template into a file. Templates are plain TypeScript with three kinds of marks:
//
//   __Name__, __names__, …        replaced by the module's spellings and by joined lists
//   // gen:if owned … // gen:end  lines kept only when the flag holds (`!owned` negates); nests
//   // gen:each column … // gen:end
//                                 the sample lines inside are replaced by one fragment per field
//
// Anything else is copied as written, so editing a template changes what `gen` writes.

export type RenderContext = {
  /** `__key__` → text. */
  values: Record<string, string>;
  flags: Record<string, boolean>;
  /** `// gen:each slot` → the lines that replace its sample, without indentation. */
  slots: Record<string, string[]>;
};

const IF = /^(\s*)\/\/ gen:if (!?)(\w+)\s*$/;
const EACH = /^(\s*)\/\/ gen:each (\w+)\s*$/;
const END = /^\s*\/\/ gen:end\s*$/;
const PLACEHOLDER = /__([A-Za-z][A-Za-z0-9]*?)__/g;

type Frame = { kind: "if"; keep: boolean } | { kind: "each" };

export class TemplateError extends Error {}

function flag(context: RenderContext, name: string, line: number): boolean {
  const value = context.flags[name];
  if (value === undefined) throw new TemplateError(`line ${line}: unknown flag "${name}"`);
  return value;
}

function expandLines(template: string, context: RenderContext): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  const keeping = () => stack.every((frame) => frame.kind === "if" && frame.keep);
  template.split("\n").forEach((line, index) => {
    const ifMatch = IF.exec(line);
    const eachMatch = EACH.exec(line);
    if (ifMatch) {
      const value = flag(context, ifMatch[3] ?? "", index + 1);
      stack.push({ kind: "if", keep: ifMatch[2] === "!" ? !value : value });
    } else if (eachMatch) {
      const slot = context.slots[eachMatch[2] ?? ""];
      if (!slot) throw new TemplateError(`line ${index + 1}: unknown slot "${eachMatch[2]}"`);
      if (keeping()) out.push(...slot.map((fragment) => indent(fragment, eachMatch[1] ?? "")));
      stack.push({ kind: "each" });
    } else if (END.test(line)) {
      if (!stack.pop()) throw new TemplateError(`line ${index + 1}: gen:end without a start`);
    } else if (keeping()) {
      out.push(line);
    }
  });
  if (stack.length > 0) throw new TemplateError("a gen:if or gen:each is never closed");
  return out;
}

function indent(fragment: string, prefix: string): string {
  return fragment
    .split("\n")
    .map((line) => (line === "" ? line : prefix + line))
    .join("\n");
}

export function render(template: string, context: RenderContext): string {
  const text = expandLines(template, context).join("\n");
  return (
    text
      .replace(PLACEHOLDER, (match, key: string) => {
        const value = context.values[key];
        if (value === undefined) throw new TemplateError(`unknown placeholder ${match}`);
        return value;
      })
      // Regions that leave nothing behind must not leave their blank lines doubled.
      .replace(/\n{3,}/g, "\n\n")
      .replace(/^\n+/, "")
  );
}
