import { t } from "../../i18n";
import { diffWordsWithSpace, type Change } from "diff";
import { useId, useMemo } from "react";

export function diffDraft(before: string, after: string): Change[] {
  return diffWordsWithSpace(before, after);
}

/** The human version against the AI's, word by word; rendered as text only. */
export function DraftDiff({ before, after }: { before: string; after: string }) {
  const id = useId();
  const parts = useMemo(() => diffDraft(before, after), [before, after]);
  const changed = parts.some((p) => p.added || p.removed);
  const added = parts.filter((p) => p.added).reduce((n, p) => n + p.value.trim().split(/\s+/).filter(Boolean).length, 0);
  const removed = parts.filter((p) => p.removed).reduce((n, p) => n + p.value.trim().split(/\s+/).filter(Boolean).length, 0);
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="panel-head">
        <h3 id={id}>{t("draft.diffTitle")}</h3>
        <span className="muted" data-testid="diff-stats">
          {changed ? t("draft.diffCount", { added, removed }) : t("draft.noChanges")}
        </span>
      </div>
      <div className="diff" data-testid="draft-diff">
        {parts.map((p, i) =>
          p.added ? (
            <ins key={i}>{p.value}</ins>
          ) : p.removed ? (
            <del key={i}>{p.value}</del>
          ) : (
            <span key={i}>{p.value}</span>
          ),
        )}
      </div>
    </section>
  );
}
