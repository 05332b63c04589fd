// tsc emits only JavaScript; the server also needs its SQL migrations and other data files.
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";

cpSync("src/db/migrations", "dist/db/migrations", { recursive: true });
for (const entry of readdirSync("src", { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && /\.(txt|html)$/.test(entry.name)) {
    const from = join(entry.parentPath, entry.name);
    cpSync(from, from.replace(/^src/, "dist"));
  }
}
