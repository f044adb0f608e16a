import type { TextSegment } from "../../lib/backend";

/** A text with the search's matches marked; the segments are text only, never read as HTML. */
export function Marked({ segments }: { segments: TextSegment[] }) {
  return (
    <>
      {segments.map((s, i) => (s.matched ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </>
  );
}
