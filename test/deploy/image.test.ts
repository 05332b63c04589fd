import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { baseImage, type Instruction, parseDockerfile } from "./dockerfile.ts";

const dockerfile = readFileSync("Dockerfile", "utf8");
const { stages } = parseDockerfile(dockerfile);
const final = stages.at(-1);
const runtime = final?.instructions ?? [];
const commands = JSON.parse(readFileSync("deploy/commands.json", "utf8"));
const pkg = JSON.parse(readFileSync("package.json", "utf8"));

const named = (name: string, instructions: Instruction[] = runtime) =>
  instructions.filter((instruction) => instruction.name === name);

/** The ENV of the final stage, `ENV A=1 B=2` and the legacy `ENV A 1` alike. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of named("ENV")) {
    const pairs = args.includes("=")
      ? args.split(/\s+/).map((pair) => pair.split("="))
      : [args.split(/\s+/)];
    for (const [key = "", ...value] of pairs) env[key] = value.join("=").replace(/^"|"$/g, "");
  }
  return env;
}

describe("the Dockerfile parser", () => {
  it("joins continued lines, drops comments, reads flags, exec form and stages", () => {
    const parsed = parseDockerfile(
      [
        "# syntax=docker/dockerfile:1",
        "FROM node:24.1.0-bookworm-slim AS base",
        "RUN a \\",
        "  # a comment inside",
        "  && b",
        "FROM base",
        "HEALTHCHECK --interval=10s \\",
        '  CMD ["node", "check.ts"]',
        "CMD node server.ts",
      ].join("\n"),
    );

    expect(parsed.stages.map((stage) => [stage.from, stage.name])).toEqual([
      ["node:24.1.0-bookworm-slim", "base"],
      ["base", undefined],
    ]);
    expect(parsed.stages[0]?.instructions[0]).toMatchObject({
      name: "RUN",
      args: "a && b",
      line: 3,
    });
    const [healthcheck, cmd] = parsed.stages[1]?.instructions ?? [];
    expect(healthcheck).toMatchObject({ flags: { interval: "10s" }, exec: ["node", "check.ts"] });
    expect(cmd).toMatchObject({ name: "CMD", args: "node server.ts", exec: undefined });
    expect(baseImage(parsed.stages, parsed.stages[1] ?? { from: "", instructions: [] })).toBe(
      "node:24.1.0-bookworm-slim",
    );
  });
});

describe("Dockerfile", () => {
  it("builds in stages and runs from a Node.js slim image pinned to an exact release", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nodeMajor = readFileSync(".nvmrc", "utf8").trim();
    for (const stage of stages) {
      const image = baseImage(stages, stage);
      // The digest is optional only because it could not be obtained here (see the Dockerfile).
      expect(image).toMatch(
        new RegExp(`^node:${nodeMajor}\\.\\d+\\.\\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$`),
      );
    }
  });

  it("installs production dependencies only, with the install scripts that apply patches/", () => {
    const installs = stages
      .flatMap((stage) => named("RUN", stage.instructions))
      .map((run) => run.args);
    const npm = installs.filter((args) => /\bnpm (ci|install|i)\b/.test(args));
    expect(npm).toHaveLength(1);
    expect(npm[0]).toMatch(/\bnpm ci\b.*--omit=dev/);
    expect(npm[0]).not.toMatch(/--ignore-scripts/);
    // The postinstall (patch-package) runs under --omit=dev only if it is a production dependency.
    expect(pkg.scripts.postinstall).toMatch(/^patch-package\b/);
    expect(pkg.dependencies["patch-package"]).toBeDefined();
    expect(dockerfile).toMatch(/^COPY patches \.\/patches$/m);
  });

  it("runs as an unprivileged user, set before the command", () => {
    const users = named("USER");
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1) as Instruction;
    expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    expect(user.line).toBeLessThan(named("CMD")[0]?.line ?? 0);
  });

  it("starts the API with node itself (exec form, no npm, no shell), as deploy/commands.json says", () => {
    expect(named("ENTRYPOINT")).toEqual([]);
    const cmd = named("CMD");
    expect(cmd).toHaveLength(1);
    expect(cmd[0]?.exec).toEqual(commands.api);
    expect(commands.api[0]).toBe("node");
  });

  it("checks its health with node, which the slim image has (no curl there)", () => {
    const [healthcheck] = named("HEALTHCHECK");
    expect(healthcheck?.exec?.[0]).toBe("node");
    const script = healthcheck?.exec?.[1] as string;
    expect(existsSync(script)).toBe(true);
    expect(named("COPY").some((copy) => copy.args.split(/\s+/).includes(script))).toBe(true);
    expect(healthcheck?.flags).toMatchObject({
      interval: expect.any(String),
      "start-period": expect.any(String),
    });
  });

  it("sets NODE_ENV=production and no database, secret or embedded-database default", () => {
    const env = imageEnv();
    expect(env.NODE_ENV).toBe("production");
    const forbidden = /DATABASE_URL|ALLOW_EMBEDDED|SECRET|PASSWORD|TOKEN|ACCESS_KEY/;
    const declared = stages.flatMap((stage) => [
      ...named("ENV", stage.instructions),
      ...named("ARG", stage.instructions),
    ]);
    expect(declared.filter((instruction) => forbidden.test(instruction.args))).toEqual([]);
  });

  it("refuses to start on the embedded database with the image's environment", () => {
    const env = { ...imageEnv(), JWT_SECRET: "x".repeat(32) };

    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^DATABASE_URL: required in production .*ALLOW_EMBEDDED_IN_PRODUCTION=true/,
        ),
      ]);
    }
    expect(loadConfig({ ...env, ALLOW_EMBEDDED_IN_PRODUCTION: "true" }).database.embedded).toBe(
      true,
    );
  });
});

describe(".dockerignore", () => {
  it("keeps local state, secrets and installed modules out of the build context", () => {
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((line) => line.trim());
    for (const entry of [".git", ".env", ".data", "node_modules", "reports"]) {
      expect(ignored).toContain(entry);
    }
  });

  it("keeps what the Dockerfile copies", () => {
    const ignored = readFileSync(".dockerignore", "utf8")
      .split("\n")
      .map((line) => line.trim());
    const sources = named(
      "COPY",
      stages.flatMap((stage) => stage.instructions),
    )
      .filter((copy) => !copy.flags.from)
      .flatMap((copy) => copy.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(source)).toBe(true);
      expect(ignored.filter((entry) => source === entry || source.startsWith(`${entry}/`))).toEqual(
        [],
      );
    }
  });
});
