import { useId } from "react";
import { KeyHint } from "../shortcuts/KeyHint";
import type { Reason } from "./reasons";
import type { DecisionForm } from "./useDecisionForm";

function PanelButtons({ confirm, className, testId, onConfirm, onCancel }: { confirm: React.ReactNode; className: string; testId: string; onConfirm(): void; onCancel(): void }) {
  return (
    <div className="panel-buttons">
      <button type="button" className={className} data-testid={testId} onClick={onConfirm}>
        {confirm}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel <KeyHint command="close" />
      </button>
    </div>
  );
}

/** A reason (required) and a note; Enter on a chosen reason confirms. */
export function RejectPanel({ form, reasons }: { form: DecisionForm; reasons: Reason[] }) {
  const ids = useId();
  const { fields, refs, commands } = form;
  return (
    <div className="action-panel" data-testid="reject-panel">
      <label htmlFor={`${ids}-reason`}>Reason</label>
      <select
        id={`${ids}-reason`}
        ref={refs.reason}
        data-testid="reason-select"
        value={fields.reason}
        onChange={(e) => fields.setReason(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.ctrlKey && fields.reason) {
            e.preventDefault();
            commands.reject();
          } else form.panelKeys(e, commands.reject);
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
        ref={refs.note}
        data-testid="note-field"
        rows={2}
        value={fields.note}
        placeholder="Optional: what should the model have done?"
        onChange={(e) => fields.setNote(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, commands.reject)}
      />
      <PanelButtons confirm="Reject" className="danger" testId="action-reject-confirm" onConfirm={commands.reject} onCancel={() => form.setPanel("none")} />
    </div>
  );
}

/** A note for the senior reviewer. */
export function EscalatePanel({ form }: { form: DecisionForm }) {
  const ids = useId();
  const { fields, refs, commands } = form;
  return (
    <div className="action-panel" data-testid="escalate-panel">
      <label htmlFor={`${ids}-enote`}>Note for the senior reviewer</label>
      <textarea
        id={`${ids}-enote`}
        ref={refs.note}
        data-testid="note-field"
        rows={2}
        value={fields.note}
        placeholder="Why does this need a senior?"
        onChange={(e) => fields.setNote(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, commands.escalate)}
      />
      <PanelButtons
        confirm={
          <>
            Escalate <KeyHint command="confirm" />
          </>
        }
        className="warn"
        testId="action-escalate-confirm"
        onConfirm={commands.escalate}
        onCancel={() => form.setPanel("none")}
      />
    </div>
  );
}

/** The AI's structured output as JSON, to correct in place (same shape). */
export function EditPanel({ form }: { form: DecisionForm }) {
  const ids = useId();
  const { fields, refs, commands } = form;
  return (
    <div className="action-panel" data-testid="edit-panel">
      <label htmlFor={`${ids}-json`}>Corrected output (same shape as the AI's)</label>
      <textarea
        id={`${ids}-json`}
        ref={refs.json}
        className="mono"
        data-testid="correction-editor"
        rows={8}
        value={fields.json}
        onChange={(e) => fields.setJson(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, commands.edit)}
      />
      <PanelButtons
        confirm={
          <>
            Approve with edits <KeyHint command="confirm" />
          </>
        }
        className="primary"
        testId="action-edit-confirm"
        onConfirm={commands.edit}
        onCancel={() => form.setPanel("none")}
      />
    </div>
  );
}
