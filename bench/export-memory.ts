// `npm run bench:export`: peak memory of exporting an account with 1,000 recipes.
// The export streams its document a page at a time; this measures that it stays flat.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { migrate } from "../src/db/migrate.ts";
import { createDeps } from "../src/deps.ts";

const RECIPES = Number(process.env.EXPORT_BENCH_RECIPES ?? 1_000);
const dataDir = mkdtempSync(join(tmpdir(), "stratum-export-bench-"));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const config = loadConfig({
  NODE_ENV: "production",
  ALLOW_EMBEDDED_IN_PRODUCTION: "true",
  JWT_SECRET: "bench-secret-bench-secret-bench-secret-1234",
  LOG_LEVEL: "warn",
  DATA_DIR: dataDir,
  WORKER_MODE: "off",
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? "",
});
const deps = await createDeps(config);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

try {
  await migrate(deps.database);
  const user = await deps.users.create({
    email: `export-bench-${Date.now()}@example.com`,
    password: "export bench passphrase",
    name: "Export Bench",
    role: "user",
  });
  const actor = {
    userId: user.id,
    role: "user" as const,
    sessionId: "00000000-0000-0000-0000-000000000000",
  };
  for (let i = 0; i < RECIPES; i++) {
    await deps.recipes.create(actor, {
      title: `Bench recipe ${i}`,
      description: "A recipe long enough to look like one. ".repeat(8),
      servings: 4,
      prepMinutes: 10,
      cookMinutes: 20,
      visibility: i % 5 === 0 ? "private" : "public",
      ingredients: Array.from({ length: 8 }, (_, n) => ({
        name: `ingredient ${n}`,
        quantity: n + 1,
        unit: "g" as const,
        note: null,
      })),
      steps: Array.from({ length: 6 }, (_, n) => `Step ${n + 1}: do the next careful thing.`),
      tags: ["bench", `tag-${i % 10}`, `group-${i % 3}`],
    });
  }

  gc();
  const before = process.memoryUsage();
  let peak = before.rss;
  let peakHeap = before.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const sampler = setInterval(sample, 5);
  const started = performance.now();
  const requested = await deps.exports.request(actor);
  await deps.exports.build(requested.id, true);
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  sample();
  const done = await deps.exports.get(actor, requested.id);

  console.log(
    `export of ${RECIPES} recipes (${config.database.embedded ? "embedded PGlite" : "PostgreSQL"})`,
  );
  console.log(`  file size      ${mb(done.sizeBytes ?? 0)}`);
  console.log(`  time           ${(elapsed / 1000).toFixed(2)} s`);
  console.log(
    `  RSS            ${mb(before.rss)} before, peak ${mb(peak)} (+${mb(peak - before.rss)})`,
  );
  console.log(
    `  JS heap used   ${mb(before.heapUsed)} before, peak ${mb(peakHeap)} (+${mb(peakHeap - before.heapUsed)})`,
  );
} finally {
  await deps.close();
  rmSync(dataDir, { recursive: true, force: true });
}
