import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** reports/ at the repository's root: ignored by git, kept after a run (also by CI). */
export const REPORTS_DIR = fileURLToPath(new URL("../../reports/", import.meta.url));

// Not the warnings that headers meant for https (COOP, Origin-Agent-Cluster) are ignored over
// plain http, nor the error the browser logs for an answer the page expects (a 400 it shows).
const REFUSED = /Content Security Policy|Mixed Content|net::ERR_/;

type Mail = { to: string; subject: string; text: string };

/** A page that records what the browser refused to load or run, and every Referer it sent. */
export type RecordedPage = { page: Page; refused: string[]; referers: string[] };

export type BrowserSession = {
  /** The server as the browser reaches it, by a host name other than localhost. */
  origin: string;
  /** Over 127.0.0.1 from the test process: the development mailbox answers loopback only. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  linkFromMail(to: string, subject: string): Promise<string>;
  openPage(): Promise<RecordedPage>;
  close(): Promise<void>;
};

function launchChromium(hostName: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--host-resolver-rules=MAP ${hostName} 127.0.0.1`,
    ],
  });
}

async function recordPage(browser: Browser): Promise<RecordedPage> {
  const page = await browser.newPage();
  const refused: string[] = [];
  const referers: string[] = [];
  page.on("console", (message) => {
    if (REFUSED.test(message.text())) refused.push(message.text());
  });
  page.on("pageerror", (error) => refused.push(error.message));
  page.on("request", (request) => {
    const referer = request.headers().referer;
    if (referer) referers.push(`${request.url()} <- ${referer}`);
  });
  return { page, refused, referers };
}

/** Debian's Chromium, pointed at the server test/browser/global-setup.ts started. */
export async function openBrowser(): Promise<BrowserSession> {
  const { origin, url } = inject("browserServer");
  const browser = await launchChromium(new URL(origin).hostname);

  const api: BrowserSession["api"] = (method, path, body, token) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    return fetch(`${url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };

  async function linkFromMail(to: string, subject: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { items } = (await (await api("GET", "/api/dev/mail")).json()) as { items: Mail[] };
      const mail = items.find((item) => item.to === to && item.subject === subject);
      const link = mail?.text.match(/https?:\/\/\S+/)?.[0];
      if (link) return link;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `no mail "${subject}" for ${to}; the server's output: reports/browser-server.log`,
    );
  }

  return {
    origin,
    api,
    linkFromMail,
    openPage: () => recordPage(browser),
    close: () => browser.close(),
  };
}
