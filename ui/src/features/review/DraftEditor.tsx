import { useEffect, useId, useRef, useState } from "react";
import { useBackend } from "../../lib/backend/context";
import { KeyHint } from "../shortcuts/KeyHint";
import { DraftDiff } from "./DraftDiff";
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

const SAVE_TEXT: Record<SaveState, string> = { idle: "", saving: " · saving…", saved: " · draft saved", failed: " · not saved" };

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
          <h3 id={`${ids}-ed`}>Draft</h3>
          <span className="muted" aria-live="polite" data-testid="draft-save-state">
            {draft.trim().split(/\s+/).filter(Boolean).length} words
            {SAVE_TEXT[saved]}
          </span>
        </div>
        <textarea
          ref={refs.editor}
          className="draft-editor"
          data-testid="draft-editor"
          aria-label="Draft text (your version)"
          value={draft}
          readOnly={!decidable}
          spellCheck
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => form.panelKeys(e, onConfirm)}
          rows={Math.min(16, Math.max(6, draft.split("\n").length + 2))}
        />
        <div className="editor-foot">
          <span className="muted">
            <KeyHint command="confirm" /> approves your version · <KeyHint command="close" /> leaves the editor
          </span>
          {edited && decidable && (
            <button type="button" className="link" onClick={() => setDraft(aiText)}>
              Reset to the AI version
            </button>
          )}
        </div>
      </section>
      <DraftDiff before={aiText} after={draft} />
    </>
  );
}
