// @ts-check
/**
 * The runners page's one script (served as /assets/runners-live.js): the table is replaced
 * whenever the bot's event stream (`/runners/events`) sends it again — a heartbeat, a job
 * started or finished, a runner gone offline. Without it the page reloads itself instead.
 */
const holder = /** @type {HTMLElement | null} */ (document.querySelector("#runners[data-events]"));
if (holder) {
  const source = new EventSource(holder.dataset.events ?? "");
  source.addEventListener("table", (event) => {
    holder.innerHTML = JSON.parse(event.data);
  });
}
