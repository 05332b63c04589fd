import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config, TracesSampler } from "../config.ts";
import type { SpanOptions, Tracing } from "./tracing.types.ts";

type TracingConfig = NonNullable<Config["tracing"]>;

const KINDS = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, as the specification defines them. */
function samplerOf(name: TracesSampler, ratio: number): Sampler {
  const root = {
    always_on: new AlwaysOnSampler(),
    always_off: new AlwaysOffSampler(),
    traceidratio: new TraceIdRatioBasedSampler(ratio),
  };
  if (name === "always_on" || name === "always_off" || name === "traceidratio") return root[name];
  const base = name.replace("parentbased_", "") as keyof typeof root;
  return new ParentBasedSampler({ root: root[base] });
}

// The API's context manager is process-wide: the first tracing started registers it, and every
// later one (tests build several apps in one process) shares it.
let contextManager: AsyncLocalStorageContextManager | undefined;
function ensureContextManager(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

const kSpan = Symbol("stratum.requestSpan");
const kContext = Symbol("stratum.requestContext");
type TracedRequest = FastifyRequest & { [kSpan]?: Span; [kContext]?: Context };

export async function createOtelTracing(config: TracingConfig): Promise<Tracing> {
  ensureContextManager();
  const exporters = config.exporters.map((name) =>
    name === "otlp" ? new OTLPTraceExporter({ url: config.otlpUrl }) : new ConsoleSpanExporter(),
  );
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are read by the SDK's own detector.
  const detected = detectResources({ detectors: [envDetector] });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }).merge(detected),
    sampler: samplerOf(config.sampler, config.samplerRatio),
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor({ exporter })),
  });
  const tracer = provider.getTracer("stratum");
  const propagator = new W3CTraceContextPropagator();
  const fromTraceparent = (traceparent: string) =>
    propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);

  function span<T>(name: string, options: SpanOptions, fn: () => PromiseLike<T>): Promise<T> {
    const remote = options.remoteParent ? fromTraceparent(options.remoteParent) : undefined;
    const parent = remote ?? context.active();
    const parentSpan = trace.getSpan(parent);
    if (options.requireParent && !parentSpan) return Promise.resolve(fn());
    const links = remote && parentSpan ? [{ context: parentSpan.spanContext() }] : undefined;
    const current = tracer.startSpan(
      name,
      { kind: KINDS[options.kind ?? "internal"], attributes: options.attributes, links },
      parent,
    );
    return Promise.resolve(context.with(trace.setSpan(parent, current), fn)).then(
      (value) => {
        current.end();
        return value;
      },
      (error: unknown) => {
        failed(current, error);
        current.end();
        throw error;
      },
    );
  }

  return {
    enabled: true,
    span,
    traceparent() {
      const carrier: { traceparent?: string } = {};
      propagator.inject(context.active(), carrier, defaultTextMapSetter);
      return carrier.traceparent;
    },
    logFields() {
      const active = trace.getSpan(context.active());
      if (!active) return undefined;
      const { traceId, spanId, traceFlags } = active.spanContext();
      return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
    },
    registerHttp: (app) => registerServerSpans(app, tracer, propagator),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function failed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * One SERVER span per request, named by its route (`POST /api/me/exports`), with the HTTP
 * semantic conventions' attributes and the request id. Fastify's hooks, not module patching:
 * nothing depends on the order modules are loaded in. The request's context is entered again
 * before validation, since a body is read in another async context than the hook that started it.
 */
function registerServerSpans(
  app: FastifyInstance,
  tracer: ReturnType<TracerProvider["getTracer"]>,
  propagator: W3CTraceContextPropagator,
): void {
  app.decorateRequest(kSpan, undefined);
  app.decorateRequest(kContext, undefined);
  app.addHook("onRequest", (request: TracedRequest, _reply, done) => {
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": request.method,
          "http.route": route,
          "url.path": request.url.split("?", 1)[0],
          "url.scheme": request.protocol,
          "client.address": request.ip,
          "user_agent.original": request.headers["user-agent"],
          "stratum.request_id": request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    request[kSpan] = span;
    request[kContext] = active;
    context.with(active, done);
  });
  app.addHook("preValidation", (request: TracedRequest, _reply, done) => {
    const active = request[kContext];
    if (active) context.with(active, done);
    else done();
  });
  app.addHook("onError", (request: TracedRequest, _reply, error, done) => {
    if (request[kSpan]) failed(request[kSpan], error);
    done();
  });
  const end = (request: TracedRequest, statusCode: number | undefined) => {
    const span = request[kSpan];
    if (!span) return;
    request[kSpan] = undefined;
    if (statusCode === undefined) span.setAttribute("error.type", "aborted");
    else span.setAttribute("http.response.status_code", statusCode);
    if (statusCode === undefined || statusCode >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  app.addHook("onResponse", (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook("onRequestAbort", (request, done) => {
    end(request, undefined);
    done();
  });
}
