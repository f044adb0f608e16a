import { useEffect, useId, useRef, useState } from "react";
import { useBackend } from "../../lib/backend/context";
import { t } from "../../i18n";
import { KeyHint } from "../shortcuts/KeyHint";
import { DraftDiff } from "./DraftDiff";
import { Annotations } from "./ActionPanels";
import type { DecisionForm } from "./useDecisionForm";

type SaveState = "idle" | "saving" | "saved" | "failed";

/** Saves the draft text a moment after the last keystroke. */
function useDraftAutosave(itemId: string, draft: string, enabled: boolean): SaveState {
  const backend = useBackend();
  const [state, setState] = useState<SaveState>("idle");
  const lastSaved = useRef(draft);
  useEffect(() => {
    if (!enabled || draft === lastSaved.current) return;
    const t = setTimeout(() => {
      setState("saving");
      backend.saveDraft(itemId, draft).then(
        () => {
          lastSaved.current = draft;
          setState("saved");
        },
        () => setState("failed"),
      );
    }, 600);
    return () => clearTimeout(t);
  }, [draft, enabled, itemId, backend]);
  return state;
}

const saveText = (state: SaveState) => (state === "idle" ? "" : ` · ${t(`draft.save.${state}`)}`);

/** The reviewer's version of a text draft, autosaved, with its word-level diff against the AI's. */
export function DraftEditor({ itemId, form, onConfirm }: { itemId: string; form: DecisionForm; onConfirm(): void }) {
  const ids = useId();
  const { fields, refs, decidable, edited, aiText } = form;
  const { draft, setDraft } = fields;
  const saved = useDraftAutosave(itemId, draft, form.isDraft);
  return (
    <>
      <section className="panel editor-panel" aria-labelledby={`${ids}-ed`}>
        <div className="panel-head">
          <h3 id={`${ids}-ed`}>{t("draft.title")}</h3>
          <span className="muted" aria-live="polite" data-testid="draft-save-state">
            {t("draft.words", { count: draft.trim().split(/\s+/).filter(Boolean).length })}
            {saveText(saved)}
          </span>
        </div>
        <textarea
          ref={refs.editor}
          className="draft-editor"
          data-testid="draft-editor"
          aria-label={t("draft.editorLabel")}
          value={draft}
          readOnly={!decidable}
          spellCheck
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => form.panelKeys(e, onConfirm)}
          rows={Math.min(16, Math.max(6, draft.split("\n").length + 2))}
        />
        <div className="editor-foot">
          <span className="muted">
            <KeyHint command="confirm" /> {t("draft.confirmHint")} · <KeyHint command="close" /> {t("draft.closeHint")}
          </span>
          {edited && decidable && (
            <button type="button" className="link" onClick={() => setDraft(aiText)}>
              {t("draft.reset")}
            </button>
          )}
        </div>
        <Annotations form={form} onConfirm={onConfirm} />
      </section>
      <DraftDiff before={aiText} after={draft} />
    </>
  );
}
