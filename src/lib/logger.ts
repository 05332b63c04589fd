import { pino } from "pino";
import type { Config } from "../config.ts";

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
 * Lines go to stdout asynchronously: a line waits only while the previous write is still in
 * flight, so under load many lines share one write instead of one blocking write each (a
 * blocking write per request was ~10% of a read's CPU time). pino flushes what is pending on
 * exit; a SIGKILL can lose the lines of the last write in flight.
 */
export function createLogger(config: Pick<Config, "logLevel">): Logger {
  return pino(loggerOptions(config), pino.destination({ dest: 1, sync: false }));
}

/** Level, redaction, base fields and time format of every line, whatever the destination. */
export function loggerOptions(config: Pick<Config, "logLevel">): pino.LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}
