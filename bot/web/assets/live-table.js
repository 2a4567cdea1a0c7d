// @ts-check
/**
 * The operator pages' one script (served as /assets/live-table.js): the runners page's and
 * the queue page's table is replaced whenever the bot's event stream sends it again — a
 * heartbeat, a job published, started or finished, a runner gone offline. Without it those
 * pages reload themselves instead.
 */
const holder = /** @type {HTMLElement | null} */ (document.querySelector("[data-live-table][data-events]"));
if (holder) {
  const source = new EventSource(holder.dataset.events ?? "");
  source.addEventListener("table", (event) => {
    holder.innerHTML = JSON.parse(event.data);
  });
}
