// Just enough of a Dockerfile parser for the image's policy test: instructions with their flags
// and arguments, grouped into stages. Not a general one: no heredocs, no escape directive.

export type Instruction = {
  /** Upper-cased: FROM, RUN, COPY, … */
  name: string;
  /** `--interval=10s` → { interval: "10s" }. */
  flags: Record<string, string>;
  /** The rest of the line, continuations joined. */
  args: string;
  /** The JSON array of an exec-form instruction (`CMD ["node", "x"]`), else undefined. */
  exec?: string[];
  line: number;
};

export type Stage = { from: string; name?: string; instructions: Instruction[] };

/** The logical lines: comments dropped, `\`-continued lines joined (comment lines inside too). */
function logicalLines(text: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith("#") || trimmed === "") return;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    current = current
      ? { ...current, text: `${current.text} ${part}`.trim() }
      : { text: part, line: index + 1 };
    if (!continued) {
      lines.push(current);
      current = undefined;
    }
  });
  if (current) lines.push(current);
  return lines;
}

function parseInstruction({ text, line }: { text: string; line: number }): Instruction {
  const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(text) ?? [];
  const name = keyword.toUpperCase();
  const flags: Record<string, string> = {};
  let args = rest;
  for (let flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args); flag; ) {
    flags[flag[1] as string] = flag[2] ?? "true";
    args = args.slice(flag[0].length);
    flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args);
  }
  // HEALTHCHECK's command is itself an instruction: `HEALTHCHECK [flags] CMD …`.
  const command = name === "HEALTHCHECK" ? args.replace(/^CMD\s+/i, "") : args;
  let exec: string[] | undefined;
  if (command.startsWith("[")) {
    const parsed: unknown = JSON.parse(command);
    if (Array.isArray(parsed) && parsed.every((part) => typeof part === "string")) exec = parsed;
  }
  return { name, flags, args, exec, line };
}

export function parseDockerfile(text: string): { stages: Stage[]; instructions: Instruction[] } {
  const instructions = logicalLines(text).map(parseInstruction);
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.name === "FROM") {
      const [from = "", as, name] = instruction.args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { stages, instructions };
}

/** The image a stage starts from, following `FROM <earlier stage>` back to an external image. */
export function baseImage(stages: Stage[], stage: Stage): string {
  const earlier = stages.find((candidate) => candidate.name === stage.from);
  return earlier && earlier !== stage ? baseImage(stages, earlier) : stage.from;
}
