import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalStorage, createS3Storage, type Storage } from "./storage.ts";

function behavesLikeStorage(name: string, make: () => Storage | Promise<Storage>) {
  describe(name, () => {
    it("stores a stream, reads it back, and counts its bytes", async () => {
      const storage = await make();
      const body = Readable.from(["héllo ", "wörld"]);
      const size = await storage.put("exports/a/b.json", body, "application/json");
      expect(size).toBe(Buffer.byteLength("héllo wörld"));
      expect(await text(await storage.get("exports/a/b.json"))).toBe("héllo wörld");
    });

    it("removes a key, and removing it again is not an error", async () => {
      const storage = await make();
      await storage.put("exports/gone.json", Readable.from(["x"]), "application/json");
      await storage.remove("exports/gone.json");
      await storage.remove("exports/gone.json");
      await expect(storage.get("exports/gone.json")).rejects.toThrow();
    });

    it("refuses keys that could escape their folder", async () => {
      const storage = await make();
      await expect(storage.put("../x", Readable.from(["x"]), "text/plain")).rejects.toThrow(
        /invalid storage key/,
      );
      await expect(storage.get("a/../../x")).rejects.toThrow(/invalid storage key/);
    });
  });
}

const root = mkdtempSync(join(tmpdir(), "stratum-storage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

behavesLikeStorage("local storage", () => createLocalStorage(join(root, "local")));

describe("S3 storage against a local S3-compatible server", () => {
  let server: S3rver;
  let endpoint = "";
  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: join(root, "s3"),
      configureBuckets: [{ name: "stratum-test", configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.close());

  behavesLikeStorage("s3", () =>
    createS3Storage({
      bucket: "stratum-test",
      region: "us-east-1",
      endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
    }),
  );
});
