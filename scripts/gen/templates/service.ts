import { z } from "zod";
import type { Db, Executor } from "../../db/client.ts";
// gen:if owned
import type { Actor } from "../../lib/actor.ts";
// gen:end
import type { Clock } from "../../lib/clock.ts";
import { __errorImports__ } from "../../lib/errors.ts";
import {
  decodeOptionalCursor,
  type Page,
  TimestampKeySchema,
  toPage,
} from "../../lib/pagination.ts";
// gen:if owned
import type { __Name__Key, __Names__Repository } from "./__module__.repository.ts";
// gen:end
// gen:if !owned
import type { __Names__Repository } from "./__module__.repository.ts";
// gen:end
import type {
  __Name__,
  Create__Name__Input,
  List__Names__Query,
  Update__Name__Input,
} from "./__module__.schema.ts";
import type { __Name__Row } from "./__module__.table.ts";

type __Names__Deps = { db: Db; __names__Repository: __Names__Repository; clock: Clock };

const ListCursor = z.tuple([TimestampKeySchema, z.uuid()]);

function notFound(): NotFoundError {
  return new NotFoundError("__code___not_found", { detail: "There is no such __label__." });
}

function versionMismatch(current: number): PreconditionFailedError {
  return new PreconditionFailedError("version_mismatch", {
    detail: `The __label__ changed; its current version is ${current}. Reload and retry.`,
  });
}

function found(row: __Name__Row | undefined): __Name__Row {
  if (!row) throw notFound();
  return row;
}

// gen:if owned
function isOwnerOrAdmin(actor: Actor, row: __Name__Row): boolean {
  return actor.role === "admin" || actor.userId === row.ownerId;
}

// gen:if private
/** Only the owner and admins may read or change a row; to anyone else it does not exist. */
function ensureAccessible(actor: Actor, row: __Name__Row | undefined): __Name__Row {
  const accessible = found(row);
  if (!isOwnerOrAdmin(actor, accessible)) throw notFound();
  return accessible;
}

// gen:end
// gen:if public
/** Anyone may read a row; only the owner and admins may change it. */
function ensureEditable(actor: Actor, row: __Name__Row | undefined): __Name__Row {
  const editable = found(row);
  if (!isOwnerOrAdmin(actor, editable)) {
    throw new ForbiddenError("not___code___owner", {
      detail: "Only the owner or an admin may change this __label__.",
    });
  }
  return editable;
}

// gen:end
// gen:end
/** What the API shows of a row; the response schema lists the same fields. */
function to__Name__(row: __Name__Row): __Name__ {
  return {
    id: row.id,
    // gen:if owned
    ownerId: row.ownerId,
    // gen:end
    // gen:each view
    title: row.title,
    // gen:end
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function create__Names__Service({ db, __names__Repository: repo, clock }: __Names__Deps) {
  // gen:if owned
  async function locked(actor: Actor, id: string, ifMatch: number | undefined, tx: Executor) {
    // gen:if private
    const row = ensureAccessible(actor, await repo.lockById(id, tx));
    // gen:end
    // gen:if public
    const row = ensureEditable(actor, await repo.lockById(id, tx));
    // gen:end
    if (ifMatch !== undefined && ifMatch !== row.version) throw versionMismatch(row.version);
    return row;
  }
  // gen:end
  // gen:if !owned
  // No owner (generated with --shared): any signed-in user may change or delete any row.
  async function locked(id: string, ifMatch: number | undefined, tx: Executor) {
    const row = found(await repo.lockById(id, tx));
    if (ifMatch !== undefined && ifMatch !== row.version) throw versionMismatch(row.version);
    return row;
  }
  // gen:end

  return {
    // gen:if owned
    async create(actor: Actor, input: Create__Name__Input): Promise<__Name__> {
      const now = clock.now();
      const row = await repo.insert({ ...input, ownerId: actor.userId, createdAt: now, updatedAt: now });
      return to__Name__(row);
    },
    // gen:end
    // gen:if !owned
    async create(input: Create__Name__Input): Promise<__Name__> {
      const now = clock.now();
      return to__Name__(await repo.insert({ ...input, createdAt: now, updatedAt: now }));
    },
    // gen:end

    // gen:if private
    async get(actor: Actor, id: string): Promise<__Name__> {
      return to__Name__(ensureAccessible(actor, await repo.findById(id)));
    },
    // gen:end
    // gen:if public
    async get(id: string): Promise<__Name__> {
      return to__Name__(found(await repo.findById(id)));
    },
    // gen:end

    /** Partial update. `ifMatch` (a version) guards against lost updates. */
    // gen:if owned
    async update(
      actor: Actor,
      id: string,
      input: Update__Name__Input,
      ifMatch?: number,
    ): Promise<__Name__> {
      return db.transaction(async (tx) => {
        await locked(actor, id, ifMatch, tx);
        return to__Name__(await repo.update(id, { ...input, updatedAt: clock.now() }, tx));
      });
    },
    // gen:end
    // gen:if !owned
    async update(id: string, input: Update__Name__Input, ifMatch?: number): Promise<__Name__> {
      return db.transaction(async (tx) => {
        await locked(id, ifMatch, tx);
        return to__Name__(await repo.update(id, { ...input, updatedAt: clock.now() }, tx));
      });
    },
    // gen:end

    // gen:if owned
    async remove(actor: Actor, id: string, ifMatch?: number): Promise<void> {
      await db.transaction(async (tx) => {
        await locked(actor, id, ifMatch, tx);
        await repo.remove(id, tx);
      });
    },
    // gen:end
    // gen:if !owned
    async remove(id: string, ifMatch?: number): Promise<void> {
      await db.transaction(async (tx) => {
        await locked(id, ifMatch, tx);
        await repo.remove(id, tx);
      });
    },
    // gen:end

    // gen:if private
    /** The caller's own rows, newest first. */
    async list(actor: Actor, query: List__Names__Query): Promise<Page<__Name__>> {
      const { limit, cursor, ...filters } = query;
      const after = decodeOptionalCursor(cursor, ListCursor);
      const rows = await repo.list({ ...filters, ownerId: actor.userId }, limit, after);
      return toPage(rows, limit, (row) => [row.sortKey, row.id], to__Name__);
    },
    // gen:end
    // gen:if public
    /** Newest first. */
    async list(query: List__Names__Query): Promise<Page<__Name__>> {
      // gen:if filters
      const { limit, cursor, ...filters } = query;
      const after = decodeOptionalCursor(cursor, ListCursor);
      const rows = await repo.list(filters, limit, after);
      // gen:end
      // gen:if !filters
      const { limit, cursor } = query;
      const after = decodeOptionalCursor(cursor, ListCursor);
      const rows = await repo.list(limit, after);
      // gen:end
      return toPage(rows, limit, (row) => [row.sortKey, row.id], to__Name__);
    },
    // gen:end
    // gen:if owned

    /** The owner's rows for their data export, newest first, a page at a time. */
    async *exportRows(ownerId: string, pageSize = 100): AsyncGenerator<__Name__> {
      let after: __Name__Key | undefined;
      for (;;) {
        const rows = await repo.list({ ownerId }, pageSize, after);
        for (const row of rows.slice(0, pageSize)) yield to__Name__(row);
        const last = rows[pageSize - 1];
        if (rows.length <= pageSize || !last) return;
        after = [last.sortKey, last.id];
      }
    },

    /** Account deletion's step: idempotent, a second run finds nothing left. */
    async removeAllByOwner(ownerId: string): Promise<number> {
      return repo.removeAllByOwner(ownerId);
    },
    // gen:end
  };
}

export type __Names__Service = ReturnType<typeof create__Names__Service>;
