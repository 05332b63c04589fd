import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The signing key of the embedded database's development setup: made once and kept in DATA_DIR
 * (readable by its owner only), so a restart (`npm run dev` on every save) signs nobody out.
 */
export function developmentJwtSecret(dataDir: string): { secret: string; path: string } {
  const path = join(dataDir, "jwt-secret");
  mkdirSync(dataDir, { recursive: true });
  try {
    // "wx": of two processes starting at once, one writes and both read the same key.
    writeFileSync(path, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < 32) throw new Error(`${path} holds no usable key: delete it to make one`);
  return { secret, path };
}
