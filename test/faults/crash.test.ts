import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startServer } from "../helpers/process.ts";
import {
  attempt,
  JWT_SECRET,
  PG_URL,
  postgresControl,
  recipeBody,
  recordFigure,
  register,
  runLoad,
  scratchDatabase,
  startApi,
} from "./support.ts";

type Server = Awaited<ReturnType<typeof startServer>>;

/** Writers create recipes; an id counts as acknowledged only once its 201 arrived. */
function writers(server: { url: string }, token: string) {
  const acknowledged: string[] = [];
  const load = runLoad(8, 5_000, async (index) => {
    const response = await fetch(`${server.url}/api/recipes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: recipeBody(index),
      signal: AbortSignal.timeout(5_000),
    }).catch(() => undefined);
    if (response?.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
    else await response?.arrayBuffer();
    if (!response) await sleep(20);
  });
  return { acknowledged, load };
}

async function missingOf(baseUrl: string, token: string, ids: string[]): Promise<number> {
  let missing = 0;
  for (const id of ids) {
    const outcome = await attempt(`${baseUrl}/api/recipes/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (outcome.status !== 200) missing++;
  }
  return missing;
}

/** Kills the API with SIGKILL under write load, restarts it, and counts lost writes. */
async function killMidLoad(start: () => Promise<Server>, test: string, loadMs: number) {
  let server = await start();
  const user = await register(server.url, "crash");
  const { acknowledged, load } = writers(server, user.accessToken);
  await sleep(loadMs);
  server.child.kill("SIGKILL");
  await server.exited;
  load.stop();
  await load.done;

  server = await start();
  try {
    const missing = await missingOf(server.url, user.accessToken, acknowledged);
    recordFigure(
      test,
      "SIGKILL of the API process while 8 writers create recipes",
      `${acknowledged.length} acknowledged writes, ${missing} missing afterwards`,
      missing === 0,
    );
    expect(acknowledged.length).toBeGreaterThan(10);
    expect(missing).toBe(0);
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(PG_URL)("acknowledged writes survive a crash", () => {
  it("loses none when the API process is killed with SIGKILL mid-load (PostgreSQL)", async () => {
    const env = { DATABASE_URL: await scratchDatabase("crash") };
    await killMidLoad(
      () => startApi(env),
      "1a. API killed (SIGKILL) under write load, PostgreSQL",
      1_500,
    );
  });

  it("loses none when PostgreSQL stops with an immediate shutdown and comes back", async () => {
    const env = { DATABASE_URL: await scratchDatabase("pgcrash") };
    const server = await startApi(env);
    try {
      const user = await register(server.url, "pgcrash");
      const { acknowledged, load } = writers(server, user.accessToken);
      await sleep(1_500);
      postgresControl.stopImmediate();
      await sleep(1_000);
      await postgresControl.start();
      await sleep(1_500);
      load.stop();
      await load.done;
      const missing = await missingOf(server.url, user.accessToken, acknowledged);
      recordFigure(
        "1b. PostgreSQL immediate shutdown under write load",
        "`pg_ctl stop -m immediate`, 1 s down, restart, while 8 writers create recipes",
        `${acknowledged.length} acknowledged writes, ${missing} missing afterwards`,
        missing === 0,
      );
      expect(acknowledged.length).toBeGreaterThan(10);
      expect(missing).toBe(0);
    } finally {
      await postgresControl.start();
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});

describe("acknowledged writes survive a crash (embedded)", () => {
  it("loses none when the API process is killed with SIGKILL mid-load (PGlite)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "stratum-crash-"));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, JWT_SECRET };
    await killMidLoad(
      () => startServer(env),
      "1c. API killed (SIGKILL) under write load, embedded PGlite",
      2_000,
    );
  });
});
