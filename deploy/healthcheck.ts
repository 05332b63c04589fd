// The container health check: `node deploy/healthcheck.ts [url]` exits 0 when the URL answers
// 2xx within the timeout, 1 otherwise. The slim Node image has no curl or wget; node is there.
// Default: this container's API readiness, on PORT as the server reads it.
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT || 3000}/health/ready`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  if (!response.ok) process.stderr.write(`${url}: ${response.status}\n`);
  process.exitCode = response.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`${url}: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
