/**
 * Test-side lookups that throw (a test naming an MR that does not exist is a bug in the test,
 * not a 404 the product should see).
 */
import type { GitLabState, MergeRequestEntry, ProjectEntry } from "./state.ts";

export function findMergeRequestEntry(state: GitLabState, project: ProjectEntry, iid: number): MergeRequestEntry {
  const mr = state.mergeRequest(project, iid);
  if (!mr) throw new Error(`fake GitLab: no merge request !${iid} in ${project.project.path}`);
  return mr;
}
