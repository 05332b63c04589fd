import type { Role } from "../../src/lib/actor.ts";
import type { __Name__ } from "../../src/modules/__module__/__module__.schema.ts";
import type { TestContext } from "../helpers/app.ts";
// gen:each refFactoryImport
import { createProject } from "./projects.ts";
// gen:end

/** A signed-in user as the module factories take it: `headers` carries the Bearer token. */
export type FactoryUser = { id: string; name: string; role: Role; headers: Record<string, string> };

// gen:if refs
/** A valid create body; rows it references are created for `user`. */
export async function __name__Body(
  ctx: TestContext,
  user: FactoryUser,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return {
    // gen:each sample
    projectId: (await createProject(ctx, user)).id,
    // gen:end
    ...overrides,
  };
}
// gen:end
// gen:if !refs
/** A valid create body. */
export function __name__Body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    // gen:each sample
    title: "alpha",
    // gen:end
    ...overrides,
  };
}
// gen:end

/** Creates a __label__ through the API, as `user`. */
export async function create__Name__(
  ctx: TestContext,
  user: FactoryUser,
  overrides: Record<string, unknown> = {},
): Promise<__Name__> {
  const response = await ctx.app.inject({
    method: "POST",
    url: "/api/__module__",
    headers: user.headers,
    // gen:if refs
    payload: await __name__Body(ctx, user, overrides),
    // gen:end
    // gen:if !refs
    payload: __name__Body(overrides),
    // gen:end
  });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.body}`);
  return response.json();
}
