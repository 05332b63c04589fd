import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { AdminUsersService } from "./admin-users.service.ts";
import type { UsersService } from "./users.service.ts";

const Args = z.object({
  email: z.email(),
  name: z.string().trim().min(1).max(100),
  role: z.enum(["user", "admin"]),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  // Only the line ending a pipe adds; the password itself is never trimmed.
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks on the terminal without echoing what is typed. */
function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput(text: string): void };
  let prompted = false;
  output._writeToOutput = (text) => {
    if (!prompted) process.stderr.write(text);
    prompted = true;
  };
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    }),
  );
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  if (!process.stdin.isTTY)
    throw new Error("no terminal to ask for a password: use --password-stdin");
  const password = await ask("Password: ");
  if ((await ask("Repeat password: ")) !== password) throw new Error("the passwords differ");
  return password;
}

/**
 * `user:create --email … [--name …] [--role admin] [--password-stdin]`: the way to make the
 * first administrator, since there is no default account. Returns the line to print.
 */
export async function runUserCreate(users: UsersService, args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: "string" },
      name: { type: "string" },
      role: { type: "string", default: "user" },
      "password-stdin": { type: "boolean", default: false },
    },
  });
  const parsed = Args.safeParse({
    email: values.email,
    name: values.name ?? values.email?.split("@")[0],
    role: values.role,
  });
  if (!parsed.success) {
    throw new Error(
      `usage: user:create --email EMAIL [--name NAME] [--role user|admin] [--password-stdin]\n${parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n")}`,
    );
  }
  const password = await readPassword(values["password-stdin"] ?? false);
  try {
    const user = await users.create({ ...parsed.data, password });
    return `created ${user.role} ${user.email} (${user.id})`;
  } catch (error) {
    const problems = (error as { errors?: { message: string }[] }).errors;
    const detail = (error as { detail?: string }).detail;
    if (problems?.length) throw new Error(`password ${problems.map((p) => p.message).join("; ")}`);
    throw detail ? new Error(detail) : error;
  }
}

const UPDATE_USAGE = "usage: user:update --email EMAIL [--role user|admin] [--enable | --disable]";

const UpdateArgs = z
  .object({
    email: z.email(),
    role: z.enum(["user", "admin"]).optional(),
    enable: z.boolean(),
    disable: z.boolean(),
  })
  .refine((args) => !(args.enable && args.disable), { message: "give --enable or --disable" })
  .refine((args) => args.role !== undefined || args.enable || args.disable, {
    message: "give --role, --enable or --disable",
  });

/**
 * `user:update --email … [--role admin|user] [--enable|--disable]`: what an admin does through
 * the API, for when no admin can sign in. The last enabled admin stays one here too.
 */
export async function runUserUpdate(adminUsers: AdminUsersService, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      enable: { type: "boolean", default: false },
      disable: { type: "boolean", default: false },
    },
  });
  const parsed = UpdateArgs.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join(".") || "options"}: ${issue.message}`,
    );
    throw new Error(`${UPDATE_USAGE}\n${problems.join("\n")}`);
  }
  const { email, role, enable, disable } = parsed.data;
  const disabled = enable ? false : disable ? true : undefined;
  const user = await adminUsers.updateByEmail(email, { role, disabled });
  return `updated ${user.email} (${user.id}): ${user.role}, ${user.disabled ? "disabled" : "enabled"}`;
}
