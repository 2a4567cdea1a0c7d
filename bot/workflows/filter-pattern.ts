/**
 * GitHub's filter patterns for branches, tags and paths: `*` (not across `/`), `**`, `?` and `+`
 * (zero-or-one and one-or-more of the previous character), `[...]`, and `!` to negate a
 * previous match. Patterns apply in order; the last one that matches decides.
 */
function patternToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        out += ".*";
        i++;
      } else out += "[^/]*";
    } else if (c === "?" || c === "+") {
      out += c;
    } else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end === -1) out += "\\[";
      else {
        out += pattern.slice(i, end + 1);
        i = end;
      }
    } else out += c.replace(/[.^$(){}|\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

export function matchesFilters(value: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) {
      if (patternToRegExp(pattern.slice(1)).test(value)) matched = false;
    } else if (patternToRegExp(pattern).test(value)) matched = true;
  }
  return matched;
}
