import { useState } from "react";
import type { FatigueSignals } from "../../lib/backend/generated/FatigueSignals";
import { t } from "../../i18n";
import { breakMessage, suggestionKey } from "./describe";

/**
 * Suggests a break, in plain words, when the reviewer's own signals say they are tiring or worse.
 * Dismissed, it stays away for the rest of that session step (the same session at the same level).
 */
export function BreakSuggestion({ signals }: { signals: FatigueSignals | null }) {
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  if (!signals || signals.verdict === "fresh") return null;
  const key = suggestionKey(signals);
  if (dismissed.has(key)) return null;
  return (
    <aside className="break-suggestion" role="status" data-testid="break-suggestion" data-verdict={signals.verdict}>
      <p>{breakMessage(signals)}</p>
      <button type="button" data-testid="break-dismiss" onClick={() => setDismissed((keys) => new Set(keys).add(key))}>
        {t("fatigue.dismiss")}
      </button>
    </aside>
  );
}
