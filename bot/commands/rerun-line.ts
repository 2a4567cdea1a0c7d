/**
 * The `/rerun` line that re-runs one job, as the failure summary prints it: the inverse of
 * read-arguments.ts. Read back, it names the job as written (bare when the reader takes the
 * name as it is, else in double quotes), by its name or else its key — whichever names no other
 * job of the commit — and ends `in <namespace>` outside `default`, or `in default` when the
 * commit ran in other namespaces too. Two runs of a commit with a job of the same name cannot
 * be told apart by a command: the line then re-runs both.
 */
import { type NamedJob, namesJob } from "./choose-jobs.ts";
import { readRerun } from "./read-arguments.ts";

/** `atHead`: the current rows of every run at the commit, `job` among them. */
export function rerunLine(job: NamedJob, atHead: readonly NamedJob[]): string {
  const elsewhere = atHead.some((r) => r.namespace !== job.namespace);
  const namespace = job.namespace !== "default" || elsewhere ? job.namespace : undefined;
  const scoped = namespace === undefined ? atHead : atHead.filter((r) => r.namespace === namespace);
  const suffix = namespace === undefined ? "" : ` in ${namespace}`;
  const written = [...new Set([job.name, job.jobKey])].flatMap((name) => {
    const text = writeName(name, namespace);
    return text === undefined ? [] : [{ name, text }];
  });
  const exact = written.find(({ name }) => scoped.filter((r) => namesJob(r, name)).length === 1);
  return `/rerun ${(exact ?? written[0])?.text ?? `"${job.name}"`}${suffix}`;
}

/** `name` as the reader takes it back unchanged, bare or quoted; undefined when neither does (a `"` in it). */
function writeName(name: string, namespace: string | undefined): string | undefined {
  return [name, `"${name}"`].find((text) => {
    const read = readRerun(` ${text}${namespace === undefined ? "" : ` in ${namespace}`}`);
    if (!read.ok || read.value.name !== "rerun") return false;
    const { which, jobs } = read.value;
    return which === "named" && jobs.length === 1 && jobs[0] === name && read.value.namespace === namespace;
  });
}
