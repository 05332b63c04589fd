import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text().notNull(),
    /** Null for an account created by an identity provider that has never set a password. */
    passwordHash: text(),
    role: text({ enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    emailVerifiedAt: timestamp({ withTimezone: true, mode: "date" }),
    disabledAt: timestamp({ withTimezone: true, mode: "date" }),
    createdAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("users_email_key").on(table.email),
    index("users_created_at_id_idx").on(table.createdAt.desc(), table.id.desc()),
    index("users_role_idx").on(table.role).where(sql`${table.role} = 'admin'`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
