import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Tracing } from "./tracing.types.ts";

/** Where files live: a local directory by default, S3-compatible object storage when configured. */
export type Storage = {
  /** Streams `body` to `key`; returns the number of bytes stored. */
  put(key: string, body: Readable, contentType: string): Promise<number>;
  get(key: string): Promise<Readable>;
  /** Removing a missing key is not an error, so cleanup can run twice. */
  remove(key: string): Promise<void>;
};

function safeKey(key: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(key) || key.split("/").includes("..")) {
    throw new Error(`invalid storage key: ${key}`);
  }
  return key;
}

export function createLocalStorage(root: string): Storage {
  const base = resolve(root);
  const pathOf = (key: string) => {
    const path = resolve(join(base, safeKey(key)));
    if (!path.startsWith(base + sep)) throw new Error(`invalid storage key: ${key}`);
    return path;
  };
  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Write beside the target and rename, so a crash never leaves a half file under the key.
      const partial = `${path}.partial`;
      await pipeline(body, createWriteStream(partial));
      await rename(partial, path);
      return (await stat(path)).size;
    },
    async get(key) {
      const path = pathOf(key);
      await stat(path);
      return createReadStream(path);
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

export type S3Options = {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
};

/** The AWS SDK is loaded only when S3 is configured; files on local disk never need it. */
export async function createS3Storage(options: S3Options): Promise<Storage> {
  const [{ DeleteObjectCommand, GetObjectCommand, S3Client }, { Upload }] = await Promise.all([
    import("@aws-sdk/client-s3"),
    import("@aws-sdk/lib-storage"),
  ]);
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials:
      options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined,
  });
  const Bucket = options.bucket;
  return {
    async put(key, body, contentType) {
      let size = 0;
      const counted = body.pipe(
        new Transform({
          transform(chunk: Buffer | string, _encoding, done) {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            size += bytes.length;
            done(null, bytes);
          },
        }),
      );
      body.once("error", (error) => counted.destroy(error));
      await new Upload({
        client,
        params: { Bucket, Key: safeKey(key), Body: counted, ContentType: contentType },
      }).done();
      return size;
    },
    async get(key) {
      const object = await client.send(new GetObjectCommand({ Bucket, Key: safeKey(key) }));
      if (!(object.Body instanceof Readable)) throw new Error("S3 returned no stream");
      return object.Body;
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: safeKey(key) }));
    },
  };
}

/** With tracing on, each call is a span (`storage put`) naming the backend and the key. */
export function tracedStorage(
  storage: Storage,
  backend: "local" | "s3",
  tracing: Tracing,
): Storage {
  if (!tracing.enabled) return storage;
  const span = <T>(operation: string, key: string, run: () => Promise<T>) =>
    tracing.span(
      `storage ${operation}`,
      {
        kind: "client",
        attributes: { "stratum.storage.backend": backend, "stratum.storage.key": key },
      },
      run,
    );
  return {
    put: (key, body, contentType) => span("put", key, () => storage.put(key, body, contentType)),
    get: (key) => span("get", key, () => storage.get(key)),
    remove: (key) => span("remove", key, () => storage.remove(key)),
  };
}
