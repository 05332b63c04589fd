import { Writable } from "node:stream";
import { pino } from "pino";
import type { Config } from "../../src/config.ts";
import { type Logger, loggerOptions, type TraceFields } from "../../src/lib/logger.ts";

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/**
 * A logger with the application's options (serializers, redaction) whose lines a test reads;
 * `level` keeps fewer of them (a long run that reads only its failures' lines).
 */
export function capturingLogger(
  level: Config["logLevel"] = "info",
  traceFields?: TraceFields,
): {
  logger: Logger;
  lines: LogLine[];
  text(): string;
  clear(): void;
} {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).trim().split("\n")) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      callback();
    },
  });
  const logger = pino(loggerOptions({ logLevel: level }, traceFields), stream);
  const clear = () => {
    lines.length = 0;
    raw.length = 0;
  };
  return { logger, lines, text: () => raw.join("\n"), clear };
}
