import { useId, useState } from "react";
import { t } from "../../i18n";

/** What the AI's numbers mean, one sentence each (the catalogue's `explain.*`, shown by InfoTip). */
export type Explained = "risk" | "confidence" | "score";

/** An "i" button that shows one explaining sentence: on hover, on focus and on click; Escape hides it. */
export function InfoTip({ topic }: { topic: Explained }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <span className="info" onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}>
      <button
        type="button"
        className="info-button"
        aria-label={t(`explain.${topic}Label`)}
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
        {t(`explain.${topic}`)}
      </span>
    </span>
  );
}
