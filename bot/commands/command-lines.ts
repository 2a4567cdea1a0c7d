/**
 * Which lines of a comment are commands. A comment is Markdown, and people quote the bot,
 * paste logs and show each other how to use it; only a line that the writer typed as a command
 * may steer CI. So, following CommonMark block structure where it matters: a line that begins
 * with `/word` (at most 3 spaces before it: 4 make indented code, as does a tab) counts; quoted
 * lines, fenced code (``` or ~~~, closed by a fence as long, or running to the end) and HTML
 * comments do not, and neither do `/path/x`, URLs or a mention mid-line.
 */

/** `/word` at the start of a line, the word followed by nothing or whitespace. */
const COMMAND = /^ {0,3}\/[A-Za-z0-9-]+(?:\s|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const COMMENT_START = /^ {0,3}<!--/;

/** The command lines of a comment body, in order, trimmed. */
export function commandLines(body: string): string[] {
  const found: string[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (fence !== undefined) {
      const close = FENCE.exec(line);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length && close[2]!.trim() === "") {
        fence = undefined;
      }
      continue;
    }
    if (inComment) {
      inComment = !line.includes("-->");
      continue;
    }
    const open = FENCE.exec(line);
    // A backtick fence's info string has no backtick (```` ```x``` ```` is inline code).
    if (open && !(open[1]![0] === "`" && open[2]!.includes("`"))) {
      fence = open[1]!;
      continue;
    }
    if (COMMENT_START.test(line)) {
      inComment = !line.slice(line.indexOf("<!--") + 4).includes("-->");
      continue;
    }
    if (COMMAND.test(line)) found.push(line.trim());
  }
  return found;
}
