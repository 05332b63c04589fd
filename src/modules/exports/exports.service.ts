import { Readable } from "node:stream";
import { z } from "zod";
import type { Db, Tx } from "../../db/client.ts";
import type { Actor } from "../../lib/actor.ts";
import type { Clock } from "../../lib/clock.ts";
import { ConflictError, NotFoundError, TooManyRequestsError } from "../../lib/errors.ts";
import { decodeOptionalCursor, type Page, type PageQuery, toPage } from "../../lib/pagination.ts";
import type { Storage } from "../../lib/storage.ts";
import { type ExportSection, exportDocument } from "./exports.document.ts";
import type { ExportsRepository } from "./exports.repository.ts";
import type { ExportView } from "./exports.schema.ts";
import type { DataExportRow } from "./exports.table.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
export const EXPORTS_PER_DAY = 5;
export const EXPORT_TTL_MS = 7 * DAY_MS;

type ExportsDeps = {
  db: Db;
  exportsRepository: ExportsRepository;
  queue: {
    send(
      name: "exports.build",
      payload: { exportId: string },
      options?: { tx?: Tx },
    ): Promise<unknown>;
  };
  storage: Storage;
  clock: Clock;
  sections: readonly ExportSection[];
};

const CursorKey = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });

const notFound = () => new NotFoundError("export_not_found", { detail: "No such export." });

export function createExportsService(deps: ExportsDeps) {
  const { db, exportsRepository: repository, clock, storage } = deps;

  function view(row: DataExportRow): ExportView {
    const downloadable =
      row.status === "succeeded" && row.expiresAt !== null && row.expiresAt > clock.now();
    return {
      id: row.id,
      status: row.status,
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      sizeBytes: row.sizeBytes ?? null,
      downloadUrl: downloadable ? `/api/me/exports/${row.id}/download` : null,
    };
  }

  async function owned(actor: Actor, id: string): Promise<DataExportRow> {
    const row = await repository.findById(id);
    if (!row || row.userId !== actor.userId) throw notFound();
    return row;
  }

  async function start(actor: Actor, tx: Tx): Promise<{ row: DataExportRow; created: boolean }> {
    const running = await repository.findInProgress(actor.userId, tx);
    if (running) return { row: running, created: false };
    const now = clock.now();
    const recent = await repository.countCreatedSince(
      actor.userId,
      new Date(now.getTime() - DAY_MS),
      tx,
    );
    if (recent.count >= EXPORTS_PER_DAY && recent.oldest) {
      const retryAfter = Math.ceil((recent.oldest.getTime() + DAY_MS - now.getTime()) / 1000);
      throw new TooManyRequestsError("export_limit_reached", {
        detail: `At most ${EXPORTS_PER_DAY} exports a day.`,
        headers: { "retry-after": String(Math.max(1, retryAfter)) },
      });
    }
    const row = await repository.insert(actor.userId, now, tx);
    await deps.queue.send("exports.build", { exportId: row.id }, { tx });
    return { row, created: true };
  }

  return {
    /** Starts an export, or returns the one already in progress. */
    async request(actor: Actor): Promise<ExportView> {
      try {
        const { row } = await db.transaction((tx) => start(actor, tx));
        return view(row);
      } catch (error) {
        // A concurrent request won the race for the one-in-progress slot: answer with its export.
        if (!(error instanceof ConflictError)) throw error;
        const running = await repository.findInProgress(actor.userId);
        if (!running) throw error;
        return view(running);
      }
    },

    async get(actor: Actor, id: string): Promise<ExportView> {
      return view(await owned(actor, id));
    },

    async list(actor: Actor, query: PageQuery): Promise<Page<ExportView>> {
      const after = decodeOptionalCursor(query.cursor, CursorKey);
      const rows = await repository.listByUser(
        actor.userId,
        query.limit,
        after && { createdAt: new Date(after.createdAt), id: after.id },
      );
      return toPage(
        rows,
        query.limit,
        (row) => ({ createdAt: row.createdAt.toISOString(), id: row.id }),
        view,
      );
    },

    async download(actor: Actor, id: string): Promise<{ stream: Readable; filename: string }> {
      const row = await owned(actor, id);
      if (!view(row).downloadUrl || !row.storageKey) {
        throw new ConflictError("export_not_ready", {
          detail: `The export is ${row.status === "succeeded" ? "expired" : row.status}.`,
        });
      }
      const stream = await storage.get(row.storageKey);
      return {
        stream,
        filename: `stratum-export-${row.createdAt.toISOString().slice(0, 10)}.json`,
      };
    },

    /** The job: writes the document to storage. Running it again rewrites the same key. */
    async build(exportId: string, lastAttempt: boolean): Promise<void> {
      const row = await repository.findById(exportId);
      if (!row || row.status === "succeeded") return;
      const startedAt = clock.now();
      await repository.update(row.id, { status: "running", startedAt, error: null });
      const key = `exports/${row.userId}/${row.id}.json`;
      try {
        const document = Readable.from(exportDocument(row.userId, startedAt, deps.sections));
        const sizeBytes = await storage.put(key, document, "application/json");
        const finishedAt = clock.now();
        await repository.update(row.id, {
          status: "succeeded",
          storageKey: key,
          sizeBytes,
          finishedAt,
          expiresAt: new Date(finishedAt.getTime() + EXPORT_TTL_MS),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await repository.update(row.id, {
          status: lastAttempt ? "failed" : "queued",
          error: message,
          finishedAt: lastAttempt ? clock.now() : null,
        });
        throw error;
      }
    },

    /** Cleanup step: expired exports lose their file and their row. */
    async removeExpired(now: Date): Promise<number> {
      let removed = 0;
      for (;;) {
        const rows = await repository.listExpired(now, 100);
        for (const row of rows) {
          if (row.storageKey) await storage.remove(row.storageKey);
          await repository.remove(row.id);
        }
        removed += rows.length;
        if (rows.length < 100) return removed;
      }
    },

    /** Account deletion step: every export of the user, files first. */
    async removeAllForUser(userId: string): Promise<number> {
      const rows = await repository.listByUserAll(userId);
      for (const row of rows) {
        if (row.storageKey) await storage.remove(row.storageKey);
        await repository.remove(row.id);
      }
      return rows.length;
    },
  };
}

export type ExportsService = ReturnType<typeof createExportsService>;
