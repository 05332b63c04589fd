import { __pgCoreImports__ } from "drizzle-orm/pg-core";
// gen:if owned
import { users } from "../users/users.table.ts";
// gen:end
// gen:each refImport
import { projects } from "../projects/projects.table.ts";
// gen:end

// gen:each enumValues
export const TODO_STATUS_VALUES = ["open", "closed"] as const;
// gen:end

export const __names__ = pgTable(
  "__table__",
  {
    id: uuid().primaryKey().defaultRandom(),
    // gen:if owned
    ownerId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // gen:end
    // gen:each column
    title: varchar({ length: 200 }).notNull(),
    // gen:end
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    // gen:if public
    index("__table___created_at_id_idx").on(table.createdAt, table.id),
    // gen:end
    // gen:if owned
    index("__table___owner_id_created_at_id_idx").on(table.ownerId, table.createdAt, table.id),
    // gen:end
    // gen:each index
    index("todos_title_idx").on(table.title),
    // gen:end
  ],
);

export type __Name__Row = typeof __names__.$inferSelect;
