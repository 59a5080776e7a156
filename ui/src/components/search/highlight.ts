// A search result's snippet as parts to render: the core sends plain text plus the ranges that
// matched (in code points), never markup, so a highlight is built here as text and a message
// cannot inject anything into it.
import type { SnippetRange } from "../../bindings";

export interface SnippetPart {
  text: string;
  matched: boolean;
}

/** Splits `snippet` at `matches` (code-point ranges, in order); a range out of bounds or
 * overlapping the one before is clipped to what the snippet has. */
export function snippetParts(snippet: string, matches: readonly SnippetRange[]): SnippetPart[] {
  const points = Array.from(snippet);
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const range of matches) {
    const start = Math.max(at, Math.min(range.start, points.length));
    const end = Math.max(start, Math.min(range.end, points.length));
    if (start > at) parts.push({ text: points.slice(at, start).join(""), matched: false });
    if (end > start) parts.push({ text: points.slice(start, end).join(""), matched: true });
    at = end;
  }
  if (at < points.length) parts.push({ text: points.slice(at).join(""), matched: false });
  return parts;
}
