/**
 * The job page's list of what its steps flagged with `::error`, `::warning` and `::notice`
 * (the check run's annotations, stored with the job): each names its level, its file and line
 * when the command gave them, and links to the log line that printed it, so a reader goes from
 * the list straight to the place in the log.
 */
import type { RunnerAnnotation } from "../../protocol/messages.ts";
import { escapeHtml } from "./layout.ts";

export function annotationsList(annotations: readonly RunnerAnnotation[]): string {
  if (annotations.length === 0) return "";
  const items = annotations.map((a) => {
    const where = a.file ? ` <code class="where">${escapeHtml(a.file)}${a.line ? `:${a.line}` : ""}</code>` : "";
    const text = `<span class="level">${a.level}</span>${where} <span class="message">${escapeHtml(a.title ? `${a.title}: ${a.message}` : a.message)}</span>`;
    // Annotations stored before runners said which line printed them link nowhere.
    const body = a.logLine ? `<a href="#L${a.logLine}">${text}</a>` : text;
    return `<li class="annotation ${a.level}"${a.logLine ? ` data-line="${a.logLine}"` : ""}>${body}</li>`;
  });
  return `<section id="annotations"><h2>Annotations</h2><ul>${items.join("")}</ul></section>`;
}
