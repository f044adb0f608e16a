import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState } from "react";
import type { Action, AssignmentView, DecisionRequest } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { ACTION_LABELS, formatDateTime, formatSla, STAGE_LABELS } from "../../lib/format";
import { DraftDiff } from "./DraftDiff";
import { isTextDraft, kindLabel, kindSpec, viewFor } from "./kinds/registry";
import { ATTESTATION_STATEMENT } from "./reasons";
import { asRecord } from "./StructuredValue";

export type ItemCommand = "approve" | "edit" | "reject" | "escalate" | "release";

export interface ItemViewHandle {
  command(command: ItemCommand): void;
}

interface Props {
  view: AssignmentView;
  now: number;
  onDecide(itemId: string, request: DecisionRequest): void;
  onUndo(itemId: string): void;
  error: string | null;
  /** The built-in demo queue: its sign-off credential is "demo" (the real token is never shown). */
  demo?: boolean;
}

type Panel = "none" | "reject" | "escalate" | "edit";

export const SHORTCUTS: { key: string; label: string; command?: ItemCommand }[] = [
  { key: "a", label: "Approve", command: "approve" },
  { key: "e", label: "Approve with edits", command: "edit" },
  { key: "r", label: "Reject", command: "reject" },
  { key: "s", label: "Escalate", command: "escalate" },
  { key: "l", label: "Release", command: "release" },
];

function initialDraft(view: AssignmentView): string {
  if (typeof view.draft === "string") return view.draft;
  return typeof view.item.ai.output === "string" ? view.item.ai.output : "";
}

const request = (action: Action, patch: Partial<DecisionRequest> = {}): DecisionRequest => ({
  action,
  correction: null,
  reason_code: null,
  note: null,
  attestation: null,
  credential: null,
  ...patch,
});

/** One assignment: the kind view, the AI's proposal and the decision controls. */
export const ItemView = forwardRef<ItemViewHandle, Props>(function ItemView({ view, now, onDecide, onUndo, error, demo = false }, ref) {
  const backend = useBackend();
  const { item, summary } = view;
  const itemId = item.id;
  const isDraft = isTextDraft(item);
  const needsAttestation = asRecord(item.payload).requires_attestation === true;
  const aiText = typeof item.ai.output === "string" ? item.ai.output : "";
  const reasons = kindSpec(item.kind).reasons;

  const [panel, setPanel] = useState<Panel>("none");
  const [draft, setDraft] = useState(() => initialDraft(view));
  const [draftSaved, setDraftSaved] = useState<"idle" | "saving" | "saved" | "failed">("idle");
  const [json, setJson] = useState(() => JSON.stringify(item.ai.output, null, 2));
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [attested, setAttested] = useState(false);
  const [credential, setCredential] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);

  const editorRef = useRef<HTMLTextAreaElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const jsonRef = useRef<HTMLTextAreaElement>(null);
  const attestRef = useRef<HTMLInputElement>(null);
  const credentialRef = useRef<HTMLInputElement>(null);
  const ids = useId();

  const decidable = summary.status === "open" || summary.status === "rejected";
  const edited = isDraft && draft !== aiText;

  // Autosave the draft text a moment after the last keystroke.
  const lastSaved = useRef(draft);
  useEffect(() => {
    if (!isDraft || draft === lastSaved.current) return;
    const t = setTimeout(() => {
      setDraftSaved("saving");
      backend.saveDraft(itemId, draft).then(
        () => {
          lastSaved.current = draft;
          setDraftSaved("saved");
        },
        () => setDraftSaved("failed"),
      );
    }, 600);
    return () => clearTimeout(t);
  }, [draft, isDraft, itemId, backend]);

  useEffect(() => {
    if (panel === "reject") reasonRef.current?.focus();
    else if (panel === "escalate") noteRef.current?.focus();
    else if (panel === "edit") jsonRef.current?.focus();
  }, [panel]);

  const signOff = (): Partial<DecisionRequest> | null => {
    if (!needsAttestation) return {};
    if (!attested) {
      setLocalError("Confirm the attestation statement to sign off this suggestion.");
      attestRef.current?.focus();
      return null;
    }
    if (!credential.trim()) {
      setLocalError("Re-enter your credential to sign off.");
      credentialRef.current?.focus();
      return null;
    }
    return { attestation: ATTESTATION_STATEMENT, credential };
  };

  const submit = (req: DecisionRequest) => {
    setLocalError(null);
    onDecide(itemId, req);
  };

  const approve = () => {
    const s = signOff();
    if (s) submit(request("approve", s));
  };

  const approveWithEdits = () => {
    if (isDraft) {
      if (!edited) {
        setLocalError("Edit the draft first (the editor has focus); Ctrl+Enter approves your version.");
        editorRef.current?.focus();
        return;
      }
      const s = signOff();
      if (s) submit(request("approve_with_edits", { correction: draft, ...s }));
      return;
    }
    if (panel !== "edit") {
      setPanel("edit");
      return;
    }
    let correction: unknown;
    try {
      correction = JSON.parse(json);
    } catch {
      setLocalError("The corrected output is not valid JSON.");
      jsonRef.current?.focus();
      return;
    }
    if (Array.isArray(correction) !== Array.isArray(item.ai.output) || typeof correction !== typeof item.ai.output) {
      setLocalError("The corrected output must have the same shape as the AI's output.");
      return;
    }
    if (JSON.stringify(correction) === JSON.stringify(item.ai.output)) {
      setLocalError("Nothing was changed: use Approve instead.");
      return;
    }
    const s = signOff();
    if (s) submit(request("approve_with_edits", { correction, ...s }));
  };

  const reject = () => {
    if (panel !== "reject") {
      setPanel("reject");
      return;
    }
    if (!reason) {
      setLocalError("Choose a reason for the rejection.");
      reasonRef.current?.focus();
      return;
    }
    submit(request("reject", { reason_code: reason, note: note.trim() || null }));
  };

  const escalate = () => {
    if (panel !== "escalate") {
      setPanel("escalate");
      return;
    }
    submit(request("escalate", { note: note.trim() || null }));
  };

  const release = () => submit(request("release", { note: note.trim() || null }));

  const run = (command: ItemCommand) => {
    if (!decidable) return;
    ({ approve, edit: approveWithEdits, reject, escalate, release })[command]();
  };

  useImperativeHandle(ref, () => ({ command: run }));

  const panelKeys = (e: React.KeyboardEvent, onSubmit: () => void) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSubmit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      setPanel("none");
      setLocalError(null);
      (e.target as HTMLElement).blur();
    }
  };

  const sla = formatSla(item.due_at, now);
  const editor = isDraft ? (
    <>
      <section className="panel editor-panel" aria-labelledby={`${ids}-ed`}>
        <div className="panel-head">
          <h3 id={`${ids}-ed`}>Draft</h3>
          <span className="muted" aria-live="polite" data-testid="draft-save-state">
            {draft.trim().split(/\s+/).filter(Boolean).length} words
            {draftSaved === "saving" ? " · saving…" : draftSaved === "saved" ? " · draft saved" : draftSaved === "failed" ? " · not saved" : ""}
          </span>
        </div>
        <textarea
          ref={editorRef}
          className="draft-editor"
          data-testid="draft-editor"
          aria-label="Draft text (your version)"
          value={draft}
          readOnly={!decidable}
          spellCheck
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => panelKeys(e, approveWithEdits)}
          rows={Math.min(16, Math.max(6, draft.split("\n").length + 2))}
        />
        <div className="editor-foot">
          <span className="muted">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> approves your version · <kbd>Esc</kbd> leaves the editor
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
  ) : null;

  const signOffPanel = needsAttestation ? (
    <section className="panel sign-off" aria-labelledby={`${ids}-so`} data-testid="sign-off">
      <h3 id={`${ids}-so`}>Clinical sign-off</h3>
      <label className="attest">
        <input
          ref={attestRef}
          type="checkbox"
          data-testid="attestation-checkbox"
          checked={attested}
          disabled={!decidable}
          onChange={(e) => setAttested(e.target.checked)}
        />
        <span>{ATTESTATION_STATEMENT}</span>
      </label>
      <label className="field-label" htmlFor={`${ids}-cred`}>
        Re-enter your credential to sign
      </label>
      <input
        ref={credentialRef}
        id={`${ids}-cred`}
        type="password"
        autoComplete="current-password"
        data-testid="credential-field"
        value={credential}
        disabled={!decidable}
        onChange={(e) => setCredential(e.target.value)}
        onKeyDown={(e) => panelKeys(e, approve)}
      />
      <p className="muted small">
        Required to approve. Your credential is checked on this device and never stored with the decision.
        {demo && " In the built-in demo queue the credential is “demo”."}
      </p>
    </section>
  ) : null;

  const KindView = viewFor(item);

  const shownError = localError ?? error;
  return (
    <article className="item-view" aria-labelledby={`${ids}-title`} data-testid="item-view" data-item-id={itemId} data-kind={item.kind}>
      <header className="item-head">
        <div className="item-kicker">
          <span className="kind-chip">{kindLabel(item.kind)}</span>
          <span>{STAGE_LABELS[summary.stage]}</span>
          <span>Priority {item.priority}</span>
          {item.approvals_required > 1 && <span className="stage-chip">Two approvals</span>}
          <span className={`sla${sla.overdue ? " overdue" : sla.urgent ? " urgent" : ""}`} data-testid="item-sla">
            {item.due_at ? (sla.overdue ? `Overdue by ${sla.text.replace(" over", "")}` : `Due in ${sla.text}`) : "No deadline"}
          </span>
        </div>
        <h2 id={`${ids}-title`} className="item-title" data-testid="item-title" tabIndex={-1}>
          {item.title}
        </h2>
        <div className="item-sub muted">
          {item.producer} · {item.external_id} · received {formatDateTime(item.created_at)} · rule: {item.routing_rule}
        </div>
      </header>

      {!decidable && view.decision && (
        <div className={`decided-banner status-${summary.status}`} role="status" data-testid="decided-banner">
          <strong>{ACTION_LABELS[view.decision.action]}</strong>
          <span>
            {summary.status === "decided"
              ? "Saved on this device, waiting to upload."
              : summary.status === "uploaded"
                ? "Uploaded to the queue."
                : summary.status === "conflict"
                  ? `Conflict: ${summary.status_message ?? "see the conflicts view"}`
                  : (summary.status_message ?? "")}
          </span>
          {summary.status === "decided" && (
            <button type="button" data-testid="action-undo" onClick={() => onUndo(itemId)}>
              Undo <kbd>u</kbd>
            </button>
          )}
        </div>
      )}
      {summary.status === "rejected" && summary.status_message && (
        <div className="error-banner" role="alert">
          The server refused the last decision: {summary.status_message}. You can decide again.
        </div>
      )}

      <div className="item-body">
        {item.decisions.length > 0 && (
          <section className="panel earlier" aria-labelledby={`${ids}-earlier`} data-testid="earlier-decisions">
            <h3 id={`${ids}-earlier`}>Earlier decisions</h3>
            <ol className="earlier-list">
              {item.decisions.map((d, i) => (
                <li key={i}>
                  <strong>{ACTION_LABELS[d.action] ?? d.action}</strong> by {d.by} · {formatDateTime(d.at)}
                  {d.reason_code && <span className="status-chip">{d.reason_code}</span>}
                  {d.note && <div className="muted">“{d.note}”</div>}
                </li>
              ))}
            </ol>
          </section>
        )}
        <KindView item={item} editor={editor} />
        {signOffPanel}
      </div>

      <footer className="action-bar" aria-label="Decision">
        {shownError && (
          <div className="error-banner" role="alert" data-testid="decision-error">
            {shownError}
          </div>
        )}
        {panel === "reject" && decidable && (
          <div className="action-panel" data-testid="reject-panel">
            <label htmlFor={`${ids}-reason`}>Reason</label>
            <select
              id={`${ids}-reason`}
              ref={reasonRef}
              data-testid="reason-select"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.ctrlKey && reason) {
                  e.preventDefault();
                  reject();
                } else panelKeys(e, reject);
              }}
            >
              <option value="">Choose a reason…</option>
              {reasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
            <label htmlFor={`${ids}-note`}>Note</label>
            <textarea
              id={`${ids}-note`}
              ref={noteRef}
              data-testid="note-field"
              rows={2}
              value={note}
              placeholder="Optional: what should the model have done?"
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => panelKeys(e, reject)}
            />
            <div className="panel-buttons">
              <button type="button" className="danger" data-testid="action-reject-confirm" onClick={reject}>
                Reject
              </button>
              <button type="button" onClick={() => setPanel("none")}>
                Cancel <kbd>Esc</kbd>
              </button>
            </div>
          </div>
        )}
        {panel === "escalate" && decidable && (
          <div className="action-panel" data-testid="escalate-panel">
            <label htmlFor={`${ids}-enote`}>Note for the senior reviewer</label>
            <textarea
              id={`${ids}-enote`}
              ref={noteRef}
              data-testid="note-field"
              rows={2}
              value={note}
              placeholder="Why does this need a senior?"
              onChange={(e) => setNote(e.target.value)}
              onKeyDown={(e) => panelKeys(e, escalate)}
            />
            <div className="panel-buttons">
              <button type="button" className="warn" data-testid="action-escalate-confirm" onClick={escalate}>
                Escalate <kbd>Ctrl+Enter</kbd>
              </button>
              <button type="button" onClick={() => setPanel("none")}>
                Cancel <kbd>Esc</kbd>
              </button>
            </div>
          </div>
        )}
        {panel === "edit" && decidable && !isDraft && (
          <div className="action-panel" data-testid="edit-panel">
            <label htmlFor={`${ids}-json`}>Corrected output (same shape as the AI's)</label>
            <textarea
              id={`${ids}-json`}
              ref={jsonRef}
              className="mono"
              data-testid="correction-editor"
              rows={8}
              value={json}
              onChange={(e) => setJson(e.target.value)}
              onKeyDown={(e) => panelKeys(e, approveWithEdits)}
            />
            <div className="panel-buttons">
              <button type="button" className="primary" data-testid="action-edit-confirm" onClick={approveWithEdits}>
                Approve with edits <kbd>Ctrl+Enter</kbd>
              </button>
              <button type="button" onClick={() => setPanel("none")}>
                Cancel <kbd>Esc</kbd>
              </button>
            </div>
          </div>
        )}
        <div className="actions" role="group" aria-label="Actions">
          <button type="button" className="primary" data-testid="action-approve" disabled={!decidable} onClick={approve} aria-keyshortcuts="a">
            Approve <kbd>a</kbd>
          </button>
          <button type="button" data-testid="action-approve-with-edits" disabled={!decidable} onClick={approveWithEdits} aria-keyshortcuts="e">
            Approve with edits <kbd>e</kbd>
          </button>
          <button type="button" className="danger-outline" data-testid="action-reject" disabled={!decidable} onClick={reject} aria-keyshortcuts="r">
            Reject <kbd>r</kbd>
          </button>
          <button type="button" data-testid="action-escalate" disabled={!decidable} onClick={escalate} aria-keyshortcuts="s">
            Escalate <kbd>s</kbd>
          </button>
          <button type="button" className="quiet" data-testid="action-release" disabled={!decidable} onClick={release} aria-keyshortcuts="l">
            Release <kbd>l</kbd>
          </button>
          <span className="spacer" />
          <span className="muted small hint">
            <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>?</kbd> shortcuts
          </span>
        </div>
      </footer>
    </article>
  );
});
