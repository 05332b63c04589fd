// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose's interpolation syntax, not templates
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLES, loadConfig, productionWarnings } from "../../src/config.ts";
import { InterpolationError, interpolate, readCompose, type Service, seconds } from "./compose.ts";
import { parseDockerfile } from "./dockerfile.ts";

const run = promisify(execFile);
const commands = JSON.parse(readFileSync("deploy/commands.json", "utf8"));
const haproxy = readFileSync("deploy/haproxy.cfg", "utf8");

/** What an operator sets: the required secrets, and the public address and mail server. */
const OPERATOR = {
  JWT_SECRET: "j".repeat(48),
  POSTGRES_PASSWORD: "a-database-password",
  APP_URL: "https://stratum.example.com",
  SMTP_URL: "smtp://mail.example.com:587",
  MAIL_FROM: "Stratum <no-reply@example.com>",
};
const raw = readCompose();
const { services } = readCompose(OPERATOR);
const APPS = ["api-1", "api-2", "worker", "migrate"];
const APIS = ["api-1", "api-2"];

const service = (name: string) => services[name] as Service;

/** The environment a container of the image sees: the image's ENV, then the service's. */
function containerEnv(name: string): Record<string, string> {
  const image: Record<string, string> = {};
  for (const stage of parseDockerfile(readFileSync("Dockerfile", "utf8")).stages.slice(-1)) {
    for (const env of stage.instructions.filter((instruction) => instruction.name === "ENV")) {
      for (const pair of env.args.split(/\s+/)) {
        const [key = "", ...value] = pair.split("=");
        image[key] = value.join("=");
      }
    }
  }
  const own = Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]);
  return { ...image, ...Object.fromEntries(own) };
}

describe("compose.yaml", () => {
  it("passes dclint: the Compose specification's schema and its rules", async () => {
    const { stdout } = await run(process.execPath, [
      "node_modules/dclint/bin/dclint.cjs",
      "--formatter",
      "json",
      "compose.yaml",
    ]);
    const [report] = JSON.parse(stdout);
    expect(report.messages).toEqual([]);
  });

  it("runs PostgreSQL, Redis, a migration, two APIs behind a balancer and a worker", () => {
    expect(Object.keys(services).sort()).toEqual([
      "api-1",
      "api-2",
      "balancer",
      "migrate",
      "postgres",
      "redis",
      "worker",
    ]);
  });

  it("runs each service with the command of deploy/commands.json", () => {
    for (const name of APIS) expect(service(name).command).toEqual(commands.api);
    expect(service("worker").command).toEqual(commands.worker);
    expect(service("migrate").command).toEqual(commands.migrate);
  });

  it("migrates once, before any API or worker starts", () => {
    expect(service("migrate").restart).toBe("no");
    expect(service("migrate").depends_on?.postgres?.condition).toBe("service_healthy");
    for (const name of [...APIS, "worker"]) {
      expect(service(name).depends_on?.migrate?.condition).toBe("service_completed_successfully");
      expect(service(name).restart).toBe("unless-stopped");
    }
  });

  it("checks the health of every long-running service but the balancer, the API's as the image does", () => {
    for (const name of [...APIS, "worker", "postgres", "redis"]) {
      expect(service(name).healthcheck?.test?.[0]).toBe("CMD");
    }
    const image = parseDockerfile(readFileSync("Dockerfile", "utf8")).instructions.find(
      (instruction) => instruction.name === "HEALTHCHECK",
    );
    for (const name of APIS) expect(service(name).healthcheck?.test?.slice(1)).toEqual(image?.exec);
    const port = containerEnv("worker").WORKER_HTTP_PORT;
    expect(service("worker").healthcheck?.test).toContain(`http://127.0.0.1:${port}/health/ready`);
    expect(service("migrate").healthcheck).toEqual({ disable: true });
  });

  it("requires every secret from the environment and hard-codes none", () => {
    const secret = /SECRET|PASSWORD|TOKEN|ACCESS_KEY/;
    for (const [name, definition] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(definition.environment ?? {})) {
        if (!secret.test(key)) continue;
        // Required (`:?`) or, for an optional one such as JWT_SECRET_PREVIOUS, empty by default.
        expect(String(value), `${name} ${key}`).toMatch(/^\$\{\w+(:\?[^}]+|:-)\}$/);
      }
    }
    expect(String(raw.services.migrate?.environment?.DATABASE_URL)).toMatch(
      /:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/,
    );
    const { JWT_SECRET, ...withoutSecret } = OPERATOR;
    expect(() => readCompose(withoutSecret)).toThrow(InterpolationError);
  });

  it("sets only variables the configuration reads, and gives every process the same database and key", () => {
    for (const name of APPS) {
      const env = service(name).environment ?? {};
      expect(Object.keys(env).filter((key) => !(ENV_VARIABLES as string[]).includes(key))).toEqual(
        [],
      );
      expect(env).toMatchObject({
        DATABASE_URL: service("api-1").environment?.DATABASE_URL,
        JWT_SECRET: OPERATOR.JWT_SECRET,
      });
      expect(env).not.toHaveProperty("ALLOW_EMBEDDED_IN_PRODUCTION");
    }
  });

  it("gives each process a production configuration that loads, warning only of what is meant", () => {
    for (const name of APPS) {
      const config = loadConfig(containerEnv(name));
      expect(config).toMatchObject({ isProduction: true, database: { embedded: false } });
      expect(config.storage.dir).toBe("/var/lib/stratum/storage");
    }
    const warnings = productionWarnings(loadConfig(containerEnv("api-1")));
    // The worker service runs the jobs; exports are on the volume every API and worker mounts.
    expect(warnings.map((warning) => warning.split(" ")[0])).toEqual(["WORKER_MODE", "S3_BUCKET"]);
    for (const name of [...APIS, "worker"]) {
      expect(service(name).volumes).toContain("exports:/var/lib/stratum/storage");
    }
  });

  it("gives a stopping process the time its clean shutdown takes", () => {
    for (const name of [...APIS, "worker"]) {
      const config = loadConfig(containerEnv(name));
      const drain = name === "worker" ? 0 : config.shutdownDrainMs;
      const needed = (drain + config.shutdownTimeoutMs + 2_000) / 1000;
      expect(seconds(service(name).stop_grace_period ?? "10s")).toBeGreaterThanOrEqual(needed);
    }
  });

  it("keeps /metrics off the balancer and every port but the balancer's unpublished", () => {
    for (const [name, definition] of Object.entries(services)) {
      if (name !== "balancer") expect(definition.ports, name).toBeUndefined();
    }
    // The balancer's own metrics listener stays on the compose network too.
    const published = (service("balancer").ports ?? []).map((port) => port.split(":").at(-1));
    expect(published).toEqual(["8080"]);
    expect(haproxy).toMatch(/^\s*bind :8080$/m);
    for (const name of APIS) {
      const config = loadConfig(containerEnv(name));
      expect(config.metrics.onApiPort).toBe(false);
      expect(config.metrics.port).not.toBe(config.port);
      expect(haproxy).not.toContain(`:${config.metrics.port}`);
    }
  });
});

describe("deploy/haproxy.cfg", () => {
  const backend = haproxy.slice(haproxy.indexOf("backend api"));

  it("balances every API service on its port, checking /health/ready", () => {
    const servers = [...backend.matchAll(/^\s*server (\S+) (\S+)/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(
      APIS.map((name) => [name, `${name}:${loadConfig(containerEnv(name)).port}`]),
    );
    expect(backend).toMatch(/http-check send meth GET uri \/health\/ready$/m);
    expect(backend).toMatch(/http-check expect status 200$/m);
  });

  it("stops sending to a stopping API within its drain period", () => {
    const [, inter = "", fall = ""] =
      /default-server .*\binter (\S+) fall (\d+)/.exec(backend) ?? [];
    const noticedAfter = seconds(inter) * Number(fall);
    for (const name of APIS) {
      expect(loadConfig(containerEnv(name)).shutdownDrainMs / 1000).toBeGreaterThan(noticedAfter);
    }
  });

  it("forwards the client's address to APIs that trust exactly one proxy", () => {
    expect(haproxy).toMatch(/^\s*option forwardfor$/m);
    for (const name of APIS) expect(loadConfig(containerEnv(name)).trustedProxies).toBe(1);
  });
});

describe("interpolate", () => {
  it("reads Compose's forms", () => {
    const env = { SET: "x", EMPTY: "" };
    expect(interpolate("${SET}-${UNSET}-$SET-$$", env)).toBe("x--x-$");
    expect(interpolate("${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env)).toBe("d  d");
    expect(() => interpolate("${EMPTY:?needed}", env)).toThrow("EMPTY: needed");
    expect(interpolate("${EMPTY?needed}", env)).toBe("");
  });
});
