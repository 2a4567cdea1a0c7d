// @ts-check
/**
 * The run page's one script (served as /assets/run-live.js): while the run goes on, each job's
 * state changes in place as the bot's event stream (`/runs/:id/events`) reports it. Without it
 * the page reloads itself every few seconds instead.
 */
const graph = /** @type {HTMLElement | null} */ (document.querySelector(".graph[data-events]"));
if (graph) {
  const source = new EventSource(graph.dataset.events ?? "");
  source.addEventListener("job", (event) => {
    const { id, html } = JSON.parse(event.data);
    const state = document.querySelector(`li[data-job="${id}"] .state`);
    if (state) state.innerHTML = html;
  });
  source.addEventListener("done", () => source.close());
}
