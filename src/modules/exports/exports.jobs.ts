import { defineJob } from "../../jobs/define.ts";
import { BuildExportPayload } from "./exports.schema.ts";
import type { ExportsService } from "./exports.service.ts";

const RETRY_LIMIT = 3;

export const buildExportJob = defineJob({
  name: "exports.build",
  payload: BuildExportPayload,
  retry: { limit: RETRY_LIMIT, delaySeconds: 30, backoff: true },
  // A killed worker's export is picked up again after this long; 1,000 recipes take seconds.
  expireInSeconds: 10 * 60,
  async handle({ exportId }, { exports }: { exports: ExportsService }, run) {
    await exports.build(exportId, run.attempt > RETRY_LIMIT);
  },
});
