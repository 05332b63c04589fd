import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";
import type { UserRow } from "./users.table.ts";

export const RoleSchema = z.enum(["user", "admin"]);

/** What a user may see of their own account: never the hash or internal flags. */
export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof UserSchema>;

/** What an admin sees: the user plus whether the account is disabled. */
export const AdminUserSchema = UserSchema.extend({ disabled: z.boolean() }).meta({
  id: "AdminUser",
});
export type AdminUser = z.infer<typeof AdminUserSchema>;

export const NameSchema = z.string().trim().min(1).max(100);

/** Unknown keys are dropped, so `role` or `email` in the body can never be applied. */
export const UpdateMeBody = z.object({ name: NameSchema }).meta({
  id: "UpdateMe",
  description: "Your new name; other fields are ignored",
  example: { name: "Ada Lovelace" },
});

export const AdminUsersQuery = PageQuerySchema.extend({
  q: z.string().trim().min(1).max(200).optional().describe("Substring of the email or name"),
});

export const AdminUserParams = z.object({ id: z.uuid() });

export const AdminUpdateUserBody = z
  .object({ role: RoleSchema.optional(), disabled: z.boolean().optional() })
  .refine((body) => body.role !== undefined || body.disabled !== undefined, {
    message: "give role or disabled",
  })
  .meta({
    id: "UpdateUser",
    description: "A role, a disabled flag, or both",
    example: { role: "admin" },
  });

export const AdminUsersPageSchema = pageSchema(AdminUserSchema);

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.emailVerifiedAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toAdminUser(row: UserRow): AdminUser {
  return { ...toUser(row), disabled: row.disabledAt !== null };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
