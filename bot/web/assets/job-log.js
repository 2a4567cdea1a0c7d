// @ts-check
/**
 * The job page's one script (served as /assets/job-log.js). The page reads without it; with it
 * the log follows the job live over Server-Sent Events (lines, steps, the result), follows the
 * tail until the reader scrolls up (and again once they are back at the bottom), and line
 * numbers select a line or, with Shift, a range (`#L12-L20`), opened and highlighted; the find
 * box goes from one line that contains the text to the next, opening folds.
 * The server renders every line (bot/web/log-lines.ts); this only places them.
 */
const log = /** @type {HTMLElement} */ (document.getElementById("log"));
const end = /** @type {HTMLElement} */ (document.getElementById("log-end"));
const followButton = /** @type {HTMLButtonElement} */ (document.getElementById("follow"));
const LINK = /^#L(\d+)(?:-L(\d+))?$/;

/** Where the next line goes: the log, or the innermost `::group::` still open. */
const open = [log];
{
  const depth = Number((end.dataset.cursor ?? "").split(":")[3] ?? 0);
  for (let i = 0; i < depth; i++) {
    const last = open[open.length - 1]?.lastElementChild;
    if (last?.tagName !== "DETAILS") break;
    open.push(/** @type {HTMLElement} */ (last));
  }
}

let following = !LINK.test(location.hash);

function atBottom() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 24;
}

function showFollow() {
  followButton.hidden = following || end.dataset.live !== "true";
}

window.addEventListener(
  "scroll",
  () => {
    following = atBottom();
    showFollow();
  },
  { passive: true },
);

followButton.addEventListener("click", () => {
  following = true;
  window.scrollTo(0, document.documentElement.scrollHeight);
  showFollow();
});

/** @param {{kind: string, n: number, html?: string}[]} items */
function append(items) {
  document.getElementById("waiting")?.remove();
  for (const item of items) {
    const into = open[open.length - 1] ?? log;
    if (item.kind === "end") {
      if (open.length > 1) open.pop();
    } else if (item.kind === "group") {
      const details = document.createElement("details");
      details.className = "g";
      details.innerHTML = `<summary>${item.html}</summary>`;
      into.append(details);
      open.push(details);
    } else {
      into.insertAdjacentHTML("beforeend", `${item.html}\n`);
    }
  }
  if (following) window.scrollTo(0, document.documentElement.scrollHeight);
  found.stale = true;
}

/** @param {{index: number, html: string}} step */
function placeStep(step) {
  const table = /** @type {HTMLTableElement} */ (document.getElementById("steps"));
  table.hidden = false;
  const body = table.tBodies[0] ?? table.createTBody();
  const row = body.querySelector(`tr[data-step="${step.index}"]`);
  if (row) row.outerHTML = step.html;
  else body.insertAdjacentHTML("beforeend", step.html);
}

function highlight() {
  for (const line of log.querySelectorAll(".l.hl")) line.classList.remove("hl");
  const match = LINK.exec(location.hash);
  if (!match) return;
  const from = Number(match[1]);
  const to = Math.max(from, Number(match[2] ?? from));
  let first;
  for (let n = from; n <= to; n++) {
    const line = document.getElementById(`L${n}`);
    if (!line) continue;
    first ??= line;
    line.classList.add("hl");
    // A line inside a fold opens it, and every fold around it.
    for (let fold = line.closest("details"); fold; fold = fold.parentElement?.closest("details") ?? null)
      fold.open = true;
  }
  following = false;
  showFollow();
  first?.scrollIntoView({ block: "center" });
}

/** Shift-click on a line number makes a range from the line selected before. */
log.addEventListener("click", (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (!target.classList.contains("n") || !event.shiftKey) return;
  const match = LINK.exec(location.hash);
  if (!match) return;
  event.preventDefault();
  const a = Number(match[1]);
  const b = Number(target.dataset.n);
  location.hash = a === b ? `#L${a}` : `#L${Math.min(a, b)}-L${Math.max(a, b)}`;
});

/** The lines that contain what the find box holds, and which of them is shown. */
const found = { query: "", lines: /** @type {HTMLElement[]} */ ([]), at: -1, stale: false };
const findForm = /** @type {HTMLFormElement} */ (document.getElementById("find-form"));
const findInput = /** @type {HTMLInputElement} */ (document.getElementById("find"));
const findCount = /** @type {HTMLElement} */ (document.getElementById("find-count"));
findForm.hidden = false;

/** @param {string} query @param {number} step */
function find(query, step) {
  const wanted = query.toLowerCase();
  if (wanted !== found.query || found.stale) {
    const current = found.lines[found.at];
    for (const line of found.lines) line.classList.remove("found", "current");
    found.lines = wanted
      ? [.../** @type {NodeListOf<HTMLElement>} */ (log.querySelectorAll(".l"))].filter((l) =>
          (l.textContent ?? "").toLowerCase().includes(wanted),
        )
      : [];
    for (const line of found.lines) line.classList.add("found");
    found.at = wanted === found.query && current ? found.lines.indexOf(current) : -1;
    found.query = wanted;
    found.stale = false;
  }
  const count = found.lines.length;
  if (count === 0) {
    findCount.textContent = wanted ? "no line has it" : "";
    return;
  }
  found.lines[found.at]?.classList.remove("current");
  found.at = (found.at + step + count) % count;
  const line = /** @type {HTMLElement} */ (found.lines[found.at]);
  line.classList.add("current");
  for (let fold = line.closest("details"); fold; fold = fold.parentElement?.closest("details") ?? null)
    fold.open = true;
  following = false;
  showFollow();
  line.scrollIntoView({ block: "center" });
  findCount.textContent = `${found.at + 1} of ${count}`;
}

findForm.addEventListener("submit", (event) => event.preventDefault());
findInput.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  find(findInput.value, event.shiftKey ? -1 : 1);
});

window.addEventListener("hashchange", highlight);
highlight();

if (end.dataset.live === "true") {
  const source = new EventSource(`${log.dataset.events}&from=${encodeURIComponent(end.dataset.cursor ?? "")}`);
  source.addEventListener("log", (event) => append(JSON.parse(event.data)));
  source.addEventListener("step", (event) => placeStep(JSON.parse(event.data)));
  source.addEventListener("attempt", () => location.reload());
  source.addEventListener("done", (event) => {
    source.close();
    const status = document.getElementById("job-status");
    if (status) status.innerHTML = JSON.parse(event.data).html;
    end.dataset.live = "false";
    showFollow();
  });
  if (following) window.scrollTo(0, document.documentElement.scrollHeight);
}
