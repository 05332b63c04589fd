import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { actorOf, requestContext } from "../../lib/auth.plugin.ts";
import type { AdminUsersService } from "./admin-users.service.ts";
import {
  AdminUpdateUserBody,
  AdminUserParams,
  AdminUserSchema,
  AdminUsersPageSchema,
  AdminUsersQuery,
} from "./users.schema.ts";

type Options = { adminUsers: AdminUsersService };

const tags = ["admin"];

/** Administration of accounts; every route needs the admin role. */
export const usersAdminRoutes: FastifyPluginAsyncZod<Options> = async (app, { adminUsers }) => {
  app.get(
    "/api/admin/users",
    {
      config: {
        auth: "admin",
        errors: { 400: "`invalid_cursor`: the cursor is not one this list gave" },
      },
      schema: {
        operationId: "listUsers",
        tags,
        summary: "List users, newest first; `q` filters on email and name",
        querystring: AdminUsersQuery,
        response: { 200: AdminUsersPageSchema },
      },
    },
    async (request) => adminUsers.list(request.query),
  );

  app.patch(
    "/api/admin/users/:id",
    {
      config: {
        auth: "admin",
        errors: {
          404: "`user_not_found`: no such user",
          409: "`last_admin`: the change would leave no enabled administrator",
        },
      },
      schema: {
        operationId: "updateUser",
        tags,
        summary: "Change a role or disable an account; ends the user's sessions",
        params: AdminUserParams,
        body: AdminUpdateUserBody,
        response: { 200: AdminUserSchema },
      },
    },
    async (request) =>
      adminUsers.update(actorOf(request), request.params.id, request.body, requestContext(request)),
  );
};
