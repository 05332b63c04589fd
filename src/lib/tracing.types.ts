import type { FastifyInstance } from "fastify";

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export type SpanOptions = {
  kind?: "internal" | "server" | "client" | "producer" | "consumer";
  attributes?: SpanAttributes;
  /** A W3C `traceparent` from another process (a job's sender): the span's parent and link. */
  remoteParent?: string;
  /** Record nothing outside a traced operation (a statement of the job queue's polling loop). */
  requireParent?: boolean;
};

/**
 * What the application knows of tracing. Off, it is `noTracing` and no OpenTelemetry module is
 * loaded; on, `startTracing` loads the SDK (src/lib/tracing.otel.ts).
 */
export type Tracing = {
  readonly enabled: boolean;
  /** Runs `fn` in a span that ends when its promise settles; a rejection marks it failed. */
  span<T>(name: string, options: SpanOptions, fn: () => PromiseLike<T>): Promise<T>;
  /** The active span as a W3C `traceparent`, to travel with a job. */
  traceparent(): string | undefined;
  /** `trace_id`, `span_id` and `trace_flags` of the active span, for a log line. */
  logFields(): Record<string, unknown> | undefined;
  /** A server span per request, continuing a caller's `traceparent`. */
  registerHttp(app: FastifyInstance): void;
  /** Exports what is buffered (tests, before reading a receiver). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
};
