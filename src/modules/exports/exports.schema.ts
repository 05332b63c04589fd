import { z } from "zod";
import { PageQuerySchema, pageSchema } from "../../lib/pagination.ts";
import { EXPORT_STATUSES } from "./exports.table.ts";

export const ExportSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(EXPORT_STATUSES),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    sizeBytes: z.number().int().meta({ format: "int64" }).nullable(),
    downloadUrl: z
      .string()
      .nullable()
      .describe("Present once the export succeeded, until it expires"),
  })
  .meta({ id: "Export" });
export type ExportView = z.infer<typeof ExportSchema>;

export const ExportPageSchema = pageSchema(ExportSchema);
export const ExportParams = z.object({ id: z.uuid() });
export const ListExportsQuery = PageQuerySchema;

export const BuildExportPayload = z.object({ exportId: z.uuid() });
