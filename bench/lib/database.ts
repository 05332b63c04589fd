import { rm } from "node:fs/promises";
import postgres from "postgres";
import { openDatabase } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";
import { createPasswordHasher } from "../../src/lib/passwords.ts";
import { BENCH_PASSWORD, type Seeded, seed } from "./seed.ts";

export const BENCH_DATABASE = "stratum_bench";

/** The bench database's URL on the server that BENCH_DATABASE_URL points at. */
export function benchUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${BENCH_DATABASE}`;
  return url.toString();
}

/** Hashed once with the auth module's own parameters, then shared by every seeded user. */
export function benchPasswordHash(): Promise<string> {
  return createPasswordHasher().hash(BENCH_PASSWORD);
}

const options = (url: string | undefined, dataDir: string) => ({
  dataDir,
  database: { url, embedded: url === undefined, poolSize: 2, statementTimeoutMs: 600_000 },
});

/** Drops and recreates the bench database, applies Stratum's migrations, then seeds it. */
export async function preparePostgres(adminUrl: string, passwordHash: string): Promise<Seeded> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin.unsafe(`create database ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = benchUrl(adminUrl);
  const database = await openDatabase(options(url, "/tmp"));
  try {
    await migrate(database);
  } finally {
    await database.close();
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const seeded = await seed((text, params) => sql.unsafe(text, params as never[]), passwordHash);
    // Left alone, autovacuum and the checkpoint after the bulk load ran during the first
    // scenario and took CPU from whichever server was being measured (per-round server CPU of
    // scenario 1 spread 0.27–0.74 ms). Done now, before anything is measured.
    await sql.unsafe("vacuum (analyze, freeze)");
    // CHECKPOINT needs a superuser or pg_checkpoint; without either, only the vacuum is done.
    await sql.unsafe("checkpoint").catch(() => undefined);
    return seeded;
  } finally {
    await sql.end();
  }
}

/** A fresh embedded data directory, migrated and seeded with the same rows. */
export async function preparePglite(dataDir: string, passwordHash: string): Promise<Seeded> {
  await rm(dataDir, { recursive: true, force: true });
  const database = await openDatabase(options(undefined, dataDir));
  try {
    await migrate(database);
    const pglite = database.pglite;
    if (!pglite) throw new Error("PGlite client missing");
    return await seed((text, params) => pglite.query(text, params), passwordHash);
  } finally {
    await database.close();
  }
}
