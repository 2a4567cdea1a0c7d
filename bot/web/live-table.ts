/**
 * An operator page's table, live: sent again as a Server-Sent Event (`table`, its HTML) each
 * time something is said on `subjects` and the table came out different, and at the
 * `nextChangeAt` a rendering names (a change no message announces, such as a runner going
 * offline). At most one rendering is in flight however many messages come; one more follows
 * if any came meanwhile. The page's script replaces its table with each.
 */
import type { ServerResponse } from "node:http";
import type { NatsConnection } from "@nats-io/transport-node";

/** The table as an event each time `render` says it changed, until the client goes. */
export function streamTable(
  res: ServerResponse,
  nc: NatsConnection,
  subjects: string[],
  render: () => Promise<{ html: string; nextChangeAt?: number }>,
): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" });
  res.write("retry: 2000\n\n");
  let rendering = false;
  let again = false;
  let last = "";
  let timer: NodeJS.Timeout | undefined;
  const update = async (): Promise<void> => {
    if (rendering) return void (again = true);
    rendering = true;
    try {
      const { html, nextChangeAt } = await render();
      if (html !== last && !res.writableEnded) res.write(`event: table\ndata: ${JSON.stringify(html)}\n\n`);
      last = html;
      clearTimeout(timer);
      // Going offline is the one change no message announces.
      if (nextChangeAt) timer = setTimeout(() => void update(), Math.max(0, nextChangeAt - Date.now()));
    } catch {
      // The next message renders again.
    } finally {
      rendering = false;
      if (again) {
        again = false;
        void update();
      }
    }
  };
  const subs = subjects.map((subject) => nc.subscribe(subject, { callback: () => void update() }));
  res.on("close", () => {
    clearTimeout(timer);
    for (const sub of subs) sub.unsubscribe();
  });
  void update();
}
