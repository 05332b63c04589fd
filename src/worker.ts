import { runWorkerProcess } from "./jobs/process.ts";

await runWorkerProcess();
