/**
 * Where a job comes from: the request (or job) that enqueued it, by its request id and the W3C
 * `traceparent` of the span that sent it. It travels in the job's data under one reserved key
 * (pg-boss has no other metadata) and is taken out before the payload meets its schema, so strict
 * payload schemas stay strict and jobs queued before this existed run unchanged.
 */
export type JobOrigin = { requestId?: string; traceparent?: string };

export const ORIGIN_KEY = "_origin";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The payload with its origin added; a payload that is not an object, or no origin, is kept as is. */
export function withOrigin(payload: unknown, origin: JobOrigin): unknown {
  if (!isRecord(payload) || (!origin.requestId && !origin.traceparent)) return payload;
  return { ...payload, [ORIGIN_KEY]: origin };
}

/** A job's data split into the payload its handler sees and its origin. */
export function splitOrigin(data: unknown): { payload: unknown; origin: JobOrigin | undefined } {
  if (!isRecord(data) || !(ORIGIN_KEY in data)) return { payload: data, origin: undefined };
  const { [ORIGIN_KEY]: raw, ...payload } = data;
  if (!isRecord(raw)) return { payload, origin: undefined };
  const text = (value: unknown) =>
    typeof value === "string" && value.length <= 256 ? value : undefined;
  return {
    payload,
    origin: { requestId: text(raw.requestId), traceparent: text(raw.traceparent) },
  };
}
