import { readFileSync, writeFileSync } from "node:fs";

/** Rewrites what stands between two marker comments of a document; exits 1 without them. */
export function replaceSection(path, start, end, content) {
  const doc = readFileSync(path, "utf8");
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < 0) {
    console.error(`${path} lacks the ${start} … ${end} markers`);
    process.exit(1);
  }
  writeFileSync(path, `${doc.slice(0, from + start.length)}\n${content}\n${doc.slice(to)}`);
}
