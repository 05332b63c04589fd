import { randomBytes } from "node:crypto";
import postgres from "postgres";

/**
 * With TEST_DATABASE_URL every worker creates its own database named after this run;
 * teardown drops them so runs never see each other's data.
 */
export default function setup() {
  const runId = randomBytes(4).toString("hex");
  process.env.STRATUM_TEST_RUN = runId;
  return async () => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) return;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await admin<{ datname: string }[]>`
        select datname from pg_database where datname like ${`stratum_test_${runId}_%`}`;
      for (const { datname } of rows) {
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      }
    } finally {
      await admin.end();
    }
  };
}
