import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type ProfileRow = { name: string; selfMs: number; share: number };
export type ProfileSummary = { totalMs: number; functions: ProfileRow[]; packages: ProfileRow[] };

/** Where bench/lib/build.ts writes the compiled floor (inside node_modules/.cache). */
const FLOOR_BUILD = "node_modules/.cache/stratum-bench/floor/";

function shortUrl(url: string): string {
  const floor = url.indexOf(FLOOR_BUILD);
  if (floor >= 0) return `bench/floor/${url.slice(floor + FLOOR_BUILD.length)}`;
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const root = url.indexOf("/dist/");
  if (root >= 0) return url.slice(root + 1);
  return url.replace(/^file:\/\//, "").replace(/^node:/, "node:");
}

/**
 * Where the code lives: an npm package, Stratum's own dist/, the floor's own code, Node's
 * internals, or the engine.
 */
function packageOf(url: string): string {
  if (url.includes(FLOOR_BUILD)) return "floor (bench/floor/)";
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  if (url.includes("/dist/")) return "stratum (dist/)";
  if (url.startsWith("node:")) return "node internals";
  return url === "" ? "(engine: GC, native, idle)" : url;
}

function top(map: Map<string, number>, totalMs: number, count: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / totalMs }));
}

/**
 * Self time per function and per package, from every .cpuprofile in a directory, counting only
 * samples between `fromMs` and `toMs` after the profile began (to leave out start-up and warm-up,
 * or to look at start-up alone).
 */
export async function summariseProfiles(
  dir: string,
  window: { fromMs: number; toMs?: number },
  count = 25,
): Promise<ProfileSummary> {
  const toMs = window.toMs ?? Number.POSITIVE_INFINITY;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMs = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    let elapsedMs = 0;
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      elapsedMs += ms;
      const frame = frames.get(id);
      const outside = elapsedMs < window.fromMs || elapsedMs > toMs;
      if (outside || !frame || frame.functionName === "(idle)") return;
      totalMs += ms;
      const name = `${frame.functionName || "(anonymous)"} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
      const pkg = frame.url === "" ? `${frame.functionName || "(native)"}` : packageOf(frame.url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    });
  }
  return {
    totalMs,
    functions: top(byFunction, totalMs, count),
    packages: top(byPackage, totalMs, 15),
  };
}
