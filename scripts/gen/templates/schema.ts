import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";
// gen:if enums
import { __enumImports__ } from "./__module__.table.ts";
// gen:end

// The fields a client may write; the table's own columns (id, version, timestamps) are not here.
const Fields = {
  // gen:each bodyField
  title: z.string().trim().min(1).max(200),
  // gen:end
};

export const Create__Name__Body = z
  .object({
    ...Fields,
    // gen:each createDefault
    dueAt: Fields.dueAt.default(null),
    // gen:end
  })
  .meta({
    id: "Create__Name__",
    description: "__createDescription__",
    example: __createExample__,
  });
export type Create__Name__Input = z.output<typeof Create__Name__Body>;

export const Update__Name__Body = z
  .object(Fields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, "send at least one field")
  .meta({
    id: "Update__Name__",
    description: "The fields to change, at least one",
    example: __updateExample__,
  });
export type Update__Name__Input = z.output<typeof Update__Name__Body>;

export const __Name__Params = z.object({ id: z.uuid() });

export const __Name__Schema = z
  .object({
    id: z.uuid(),
    // gen:if owned
    ownerId: z.uuid(),
    // gen:end
    // gen:each responseField
    title: z.string(),
    // gen:end
    version: z.int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "__Name__" });
export type __Name__ = z.infer<typeof __Name__Schema>;
export const __Name__PageSchema = pageSchema(__Name__Schema);

// The list filters. Query strings carry text, which these schemas parse.
export const List__Names__Query = z.object({
  ...PageQuerySchema.shape,
  // gen:if ownerFilter
  ownerId: z.uuid().optional().describe("Only rows of this owner"),
  // gen:end
  // gen:each queryField
  title: z.string().max(200).optional(),
  // gen:end
});
export type List__Names__Query = z.output<typeof List__Names__Query>;
