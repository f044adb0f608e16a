import { useId, useState } from "react";

/** What the AI's numbers mean, one sentence each (shown by InfoTip). */
export const EXPLAIN = {
  risk: "Risk is how much harm a wrong decision on this case could do, as the AI rates it: low, medium, high or critical.",
  confidence: "Confidence is how sure the model is of its own proposal; it says nothing about how risky the case is.",
  score: "Score is the model's rating of this payment from 0 (looks legitimate) to 1 (looks fraudulent); its verdict follows from it.",
} as const;

/** An "i" button that shows one explaining sentence: on hover, on focus and on click; Escape hides it. */
export function InfoTip({ about, text }: { about: string; text: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="info" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button
        type="button"
        className="info-button"
        aria-label={`About ${about}`}
        aria-expanded={open}
        aria-describedby={id}
        onClick={() => setOpen((o) => !o)}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && open) {
            e.stopPropagation();
            setOpen(false);
          }
        }}
      >
        i
      </button>
      <span role="tooltip" id={id} className="info-pop" hidden={!open}>
        {text}
      </span>
    </span>
  );
}
