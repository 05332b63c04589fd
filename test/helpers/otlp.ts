import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
};
type WireSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: AnyValue }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
};
type WireExport = {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: { spans?: WireSpan[] }[];
  }[];
};

export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  links: { traceId: string; spanId: string }[];
  resource: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
};

const plain = (value: AnyValue) =>
  value.stringValue ??
  (value.intValue === undefined ? undefined : Number(value.intValue)) ??
  value.doubleValue ??
  value.boolValue ??
  "";

const record = (pairs: { key: string; value: AnyValue }[] = []) =>
  Object.fromEntries(pairs.map(({ key, value }) => [key, plain(value)]));

/**
 * An OTLP/HTTP receiver on loopback that keeps what it is sent, in the JSON encoding
 * (@opentelemetry/exporter-trace-otlp-http's): what a collector would see, without one.
 */
export async function startOtlpReceiver(): Promise<{
  endpoint: string;
  spans: ReceivedSpan[];
  requests: number;
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      state.requests++;
      if (request.url !== "/v1/traces" || !request.headers["content-type"]?.includes("json")) {
        response.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as WireExport;
      for (const group of body.resourceSpans ?? []) {
        const resource = record(group.resource?.attributes);
        for (const scope of group.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: record(span.attributes),
              links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
              resource,
              status: span.status ?? {},
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every span below `root` in its trace, at any depth. */
export function descendants(spans: ReceivedSpan[], root: ReceivedSpan): ReceivedSpan[] {
  const below: ReceivedSpan[] = [];
  const parents = new Set([root.spanId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const span of spans) {
      if (span.traceId !== root.traceId || !span.parentSpanId) continue;
      if (parents.has(span.parentSpanId) && !parents.has(span.spanId)) {
        parents.add(span.spanId);
        below.push(span);
        grew = true;
      }
    }
  }
  return below;
}
