import { useEffect, useId, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { t } from "../../i18n";

const FOCUSABLE = "a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog, drawn over the window: everything else is made `inert` while it is open (no click,
 * no focus, hidden from assistive technology), Tab cycles inside it, Escape closes it, and focus
 * returns to where it was.
 */
export function Dialog({ title, onClose, children, testId }: { title: string; onClose(): void; children: React.ReactNode; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  // Where the focus was before the dialog opened (read once, before any effect moved it).
  const [previous] = useState(() => document.activeElement as HTMLElement | null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const host = el.closest(".backdrop");
    const background = [...document.body.children].filter((c) => c !== host && !c.hasAttribute("inert"));
    for (const b of background) b.setAttribute("inert", "");
    const first = el.querySelector<HTMLElement>("input, select, textarea, button:not(.dialog-close)");
    (first ?? el).focus();
    // On the document, so Escape closes the dialog wherever the focus is.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      close.current();
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      for (const b of background) b.removeAttribute("inert");
      previous?.focus?.();
    };
  }, [previous]);

  // Tab and Shift+Tab wrap around inside the dialog (inert already keeps focus out of the window).
  const trap = (e: React.KeyboardEvent) => {
    if (e.key !== "Tab" || !ref.current) return;
    const focusable = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === ref.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} data-testid={testId} onKeyDown={trap}>
        <div className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="dialog-close quiet" aria-label={t("dialog.close")} onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>,
    document.body,
  );
}
