/**
 * A real browser for page tests: Debian's Chromium, headless, driven over the DevTools
 * protocol on a pipe (`--remote-debugging-pipe`: JSON messages ended by NUL on fds 3 and 4),
 * so no driver package is needed. It does what a person does: open a URL, fill a field,
 * click, read what the page shows. Pages are plain HTML, so the handful of calls here is all
 * the tests use; `playwright-core` (the same protocol) can take its place with no test change
 * beyond this file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = "/usr/bin/chromium";

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Page {
  /** Opens `url` and waits for its load event. */
  goto(url: string): Promise<void>;
  /** The value of a JavaScript expression in the page (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>;
  /** Sets the value of the form field `selector` as typing would. */
  fill(selector: string, value: string): Promise<void>;
  /** Clicks `selector` and waits for the page it opens to load. */
  clickAndWait(selector: string): Promise<void>;
  /** `textContent` of the first element matching `selector` ("" when none). */
  text(selector: string): Promise<string>;
  /** The current URL. */
  url(): Promise<string>;
  screenshot(): Promise<Buffer>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = await mkdtemp(join(tmpdir(), "flotilla-chromium-"));
  const child = spawn(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-gpu",
      "--no-first-run",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  const connection = connect(child);
  const closed = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    async newPage() {
      const { targetId } = await connection.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await connection.send<{ sessionId: string }>("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const send = <T>(method: string, params: Record<string, unknown> = {}) =>
        connection.send<T>(method, params, sessionId);
      await send("Page.enable");
      const loaded = () => connection.next("Page.loadEventFired", sessionId);
      const evaluate = async <T>(expression: string): Promise<T> => {
        const answer = await send<{ result: { value: T }; exceptionDetails?: { text: string; exception?: unknown } }>(
          "Runtime.evaluate",
          { expression, returnByValue: true, awaitPromise: true },
        );
        if (answer.exceptionDetails)
          throw new Error(
            `${expression}: ${JSON.stringify(answer.exceptionDetails.exception ?? answer.exceptionDetails)}`,
          );
        return answer.result.value;
      };
      const element = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;
      return {
        async goto(url) {
          const load = loaded();
          const { errorText } = await send<{ errorText?: string }>("Page.navigate", { url });
          if (errorText) throw new Error(`${url}: ${errorText}`);
          await load;
        },
        evaluate,
        async fill(selector, value) {
          const found = await evaluate<boolean>(
            `(() => { const e = ${element(selector)}; if (!e) return false; e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event("input", { bubbles: true })); return true; })()`,
          );
          if (!found) throw new Error(`no ${selector} on the page`);
        },
        async clickAndWait(selector) {
          const load = loaded();
          const found = await evaluate<boolean>(
            `(() => { const e = ${element(selector)}; if (!e) return false; e.click(); return true; })()`,
          );
          if (!found) throw new Error(`no ${selector} on the page`);
          await load;
        },
        text: (selector) => evaluate<string>(`${element(selector)}?.textContent ?? ""`),
        url: () => evaluate<string>("location.href"),
        async screenshot() {
          const { data } = await send<{ data: string }>("Page.captureScreenshot", { format: "png" });
          return Buffer.from(data, "base64");
        },
      };
    },
    async close() {
      await connection.send("Browser.close").catch(() => {});
      const killed = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await closed;
      clearTimeout(killed);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const TIMEOUT_MS = 30_000;

/** Requests with ids, answers matched to them, and events a caller waits for. */
function connect(child: ChildProcess) {
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const waiters: { method: string; sessionId?: string; resolve: () => void }[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  let buffered = "";
  output.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let end = buffered.indexOf("\0");
    while (end >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf("\0");
      if (message.id !== undefined) {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) call?.reject(new Error(message.error.message));
        else call?.resolve(message.result ?? {});
        continue;
      }
      const index = waiters.findIndex((w) => w.method === message.method && w.sessionId === message.sessionId);
      if (index >= 0) waiters.splice(index, 1)[0]!.resolve();
    }
  });
  child.once("exit", () => {
    for (const call of pending.values()) call.reject(new Error(`chromium exited: ${stderr}`));
    pending.clear();
  });
  return {
    send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: no answer from chromium within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
      });
    },
    /** The next `method` event of the session, awaited for at most TIMEOUT_MS. */
    next(method: string, sessionId?: string): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: not seen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
        waiters.push({
          method,
          sessionId,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}
