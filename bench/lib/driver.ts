import autocannon from "autocannon";

/**
 * The load generator, run as its own process so that its CPU is never the server's. It cycles
 * through the given requests (each connection takes the next one) for a fixed duration and
 * prints one JSON line with the outcome.
 */
export type DriverRequest = {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
};
export type DriverConfig = {
  url: string;
  connections: number;
  durationS: number;
  requests: DriverRequest[];
};
export type DriverResult = {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  statusCodes: Record<string, number>;
};

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const config = JSON.parse(Buffer.concat(chunks).toString("utf8")) as DriverConfig;
  let next = 0;
  const result = await autocannon({
    url: config.url,
    connections: config.connections,
    duration: config.durationS,
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const chosen = config.requests[next++ % config.requests.length] as DriverRequest;
          return { ...request, ...chosen, headers: { ...request.headers, ...chosen.headers } };
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const output: DriverResult = {
    requests: result.requests.total,
    durationS: result.duration,
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // autocannon counts timeouts among errors already.
    errors: result.errors + result.non2xx,
    statusCodes,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

await main();
