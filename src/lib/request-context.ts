import { AsyncLocalStorage } from "node:async_hooks";

/** What every log line caused by one request (or a job it enqueued) says about its origin. */
export type RequestContext = { requestId: string };

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request (or of the request that enqueued the running job), if there is one. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` as part of a request: its log lines, and the jobs it enqueues, carry `requestId`. */
export function runWithRequestId<T>(requestId: string | undefined, fn: () => T): T {
  return requestId === undefined ? fn() : storage.run({ requestId }, fn);
}

/** Marks a logger whose bindings already hold the request id (Fastify's `request.log`). */
export const BOUND_REQUEST_ID = Symbol("stratum.boundRequestId");

type LogFields = Record<string, unknown>;
const NONE: LogFields = {};

/**
 * pino's `mixin`: the request id of the running request or job, and the trace and span ids when
 * tracing is on. Lines that name a request id themselves (the access line, `request.log`'s) keep
 * theirs, so none has the key twice.
 */
export function logContextMixin(traceFields?: () => LogFields | undefined) {
  return (line: object, _level: number, logger: object): LogFields => {
    const store = storage.getStore();
    const trace = traceFields?.();
    const addId =
      store !== undefined &&
      (line as { requestId?: unknown }).requestId === undefined &&
      (logger as { [BOUND_REQUEST_ID]?: boolean })[BOUND_REQUEST_ID] !== true;
    if (!addId) return trace ?? NONE;
    return trace ? { requestId: store.requestId, ...trace } : { requestId: store.requestId };
  };
}

/** With no context the line is written as given: no copy for the common case of a bare line. */
export function mergeLogContext(line: object, fields: object): object {
  return fields === NONE ? line : Object.assign(fields, line);
}
