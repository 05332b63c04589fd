import { pino } from "pino";
import type { Config } from "../config.ts";
import { serializeError } from "./error-serializer.ts";
import { logContextMixin, mergeLogContext } from "./request-context.ts";

export type Logger = pino.Logger;

const REDACT = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "password",
  "token",
];

/**
 * Lines go to stdout asynchronously and in batches: they are written once 4 KiB are pending or
 * every 200 ms, whichever comes first, so under load about fifteen lines share one write (a
 * write per line was ~2% of a by-id read's CPU time and ~2.5% of a create's; a blocking write
 * per line ~10%). pino flushes what is pending on exit, a crash included; a SIGKILL can lose the
 * last 200 ms of lines.
 */
export function createLogger(config: Pick<Config, "logLevel">, traceFields?: TraceFields): Logger {
  return pino(
    loggerOptions(config, traceFields),
    pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 }),
  );
}

/** The trace and span ids of the active span, when tracing is on. */
export type TraceFields = () => Record<string, unknown> | undefined;

/**
 * Level, redaction, base fields and time format of every line, whatever the destination; each
 * line caused by a request or by a job it enqueued carries the request's id (`requestId`).
 */
export function loggerOptions(
  config: Pick<Config, "logLevel">,
  traceFields?: TraceFields,
): pino.LoggerOptions {
  return {
    mixin: logContextMixin(traceFields),
    mixinMergeStrategy: mergeLogContext,
    level: config.logLevel,
    redact: { paths: REDACT, censor: "[redacted]" },
    serializers: { err: serializeError },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}
