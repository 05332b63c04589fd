import type { Config } from "../config.ts";
import type { Tracing } from "./tracing.types.ts";

export const noTracing: Tracing = {
  enabled: false,
  span: async (_name, _options, fn) => fn(),
  traceparent: () => undefined,
  logFields: () => undefined,
  registerHttp: () => {},
  flush: async () => {},
  shutdown: async () => {},
};

/**
 * The SDK is loaded only when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER asks for
 * traces: a process without them never imports an OpenTelemetry module.
 */
export async function startTracing(config: Config["tracing"]): Promise<Tracing> {
  if (!config) return noTracing;
  const { createOtelTracing } = await import("./tracing.otel.ts");
  return createOtelTracing(config);
}
