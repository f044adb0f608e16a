import type { Handoff } from "../../lib/backend";
import { formatDateTime } from "../../lib/format";
import { t } from "../../i18n";

/** The note the last holder left when they gave the item back (at the end of a shift); plain text only. */
export function HandoffNote({ handoff }: { handoff: Handoff | null }) {
  if (!handoff) return null;
  return (
    <aside className="handoff" aria-labelledby="handoff-title" data-testid="handoff-note">
      <h3 id="handoff-title">{t("handoff.title")}</h3>
      <p className="muted">{t("handoff.byAt", { by: handoff.by, at: formatDateTime(handoff.at) })}</p>
      <p className="handoff-text">{handoff.note}</p>
    </aside>
  );
}
