import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import { helmetHeaders } from "./security-headers.ts";

/** What helmet's own middleware sets on a real Node response. */
async function setByHelmet(options?: Parameters<typeof helmet>[0]) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    helmet(options)(req, res, () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.arrayBuffer();
    return Object.fromEntries(
      [...response.headers].filter(
        ([name]) => !["connection", "content-length", "date", "keep-alive"].includes(name),
      ),
    );
  } finally {
    server.close();
  }
}

describe("helmetHeaders", () => {
  it("are exactly the headers helmet's middleware sets, for the defaults and for options", async () => {
    expect(helmetHeaders()).toEqual(await setByHelmet());
    const options = { frameguard: { action: "deny" as const }, referrerPolicy: false as const };
    const custom = helmetHeaders(options);
    expect(custom).toEqual(await setByHelmet(options));
    expect(custom["x-frame-options"]).toBe("DENY");
    expect(custom["referrer-policy"]).toBeUndefined();
  });

  it("refuses a per-request CSP directive", () => {
    const nonce = () => "'nonce-abc'";
    expect(() =>
      helmetHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", nonce] } } }),
    ).toThrow("per-request");
  });
});
