import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

type ClientError = Error & { code?: string };

const problems: Record<string, { status: number; code: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: "request_timeout",
    detail: "The request was not received in time.",
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: "headers_too_large",
    detail: "The request line or headers are too large.",
  },
};
const malformed = { status: 400, code: "bad_request", detail: "The request is not valid HTTP." };

/**
 * Answers what Node's HTTP parser refuses before any route runs (a request that arrives too
 * slowly, headers or a URL over the limit, bytes that are not HTTP) as problem+json, like every
 * other error, then closes the connection.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const problem = problems[error.code ?? ""] ?? malformed;
  // No request was parsed, so none has an id: this answer gets one of its own.
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: "about:blank",
    title: STATUS_CODES[problem.status],
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    requestId,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        "Content-Type: application/problem+json\r\n" +
        `X-Request-ID: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Connection: close\r\n\r\n" +
        body,
    );
  }
  socket.destroy(error);
}
