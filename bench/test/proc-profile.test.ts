import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cpuSeconds, rssBytes, startUsageSampler } from "../lib/proc.ts";
import { summariseProfiles } from "../lib/profile.ts";

/** Spends `ms` of this process's CPU time (not wall time: the machine may be busy). */
function burn(ms: number): void {
  const start = process.cpuUsage();
  while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < ms) {
    Math.sqrt(Math.random());
  }
}

describe("/proc sampling", () => {
  it("reads this process's CPU time and RSS, and nothing for a pid that does not exist", () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(10 * 1024 * 1024);
    expect(cpuSeconds(2 ** 22 + 7)).toBeUndefined();
  });

  it("counts the CPU a process spends during the window", async () => {
    const sampler = startUsageSampler({ pid: process.pid, intervalMs: 20 });
    await sampler.ready;
    burn(300);
    const usage = await sampler.stop();
    // /proc counts in 10 ms ticks.
    expect(usage.serverCpuS).toBeGreaterThanOrEqual(0.28);
    expect(usage.peakRssBytes).toBeGreaterThan(0);
  });
});

describe("profile summary", () => {
  it("adds up self time per function and package inside the window, idle left out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bench-profile-"));
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(idle)", "") },
        { id: 2, callFrame: frame("is", "file:///app/node_modules/drizzle-orm/entity.js") },
        { id: 3, callFrame: frame("handler", "file:///app/dist/app.js") },
        {
          id: 4,
          callFrame: frame("send", "file:///app/node_modules/.cache/stratum-bench/floor/server.js"),
        },
      ],
      // 1 ms apart: the first sample falls before the window.
      samples: [2, 2, 2, 3, 4, 1],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    };
    await writeFile(join(dir, "a.cpuprofile"), JSON.stringify(profile));
    const summary = await summariseProfiles(dir, { fromMs: 1.5 });
    expect(summary.totalMs).toBe(4);
    expect(summary.packages).toEqual([
      { name: "drizzle-orm", selfMs: 2, share: 2 / 4 },
      { name: "stratum (dist/)", selfMs: 1, share: 1 / 4 },
      { name: "floor (bench/floor/)", selfMs: 1, share: 1 / 4 },
    ]);
    expect(summary.functions[0]?.name).toBe("is drizzle-orm/entity.js:1");
    expect(summary.functions.map((row) => row.name)).toContain("send bench/floor/server.js:1");
  });
});
