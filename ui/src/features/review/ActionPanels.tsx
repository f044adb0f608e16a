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

/** One text field and a confirm button that names its shortcut. */
function TextPanel(props: {
  form: DecisionForm;
  testId: string;
  label: string;
  field: { ref: React.Ref<HTMLTextAreaElement>; testId: string; rows: number; value: string; onChange(value: string): void; placeholder?: string; className?: string };
  confirm: { label: string; className: string; testId: string; run(): void };
}) {
  const ids = useId();
  const { form, field, confirm } = props;
  return (
    <div className="action-panel" data-testid={props.testId}>
      <label htmlFor={`${ids}-text`}>{props.label}</label>
      <textarea
        id={`${ids}-text`}
        ref={field.ref}
        className={field.className}
        data-testid={field.testId}
        rows={field.rows}
        value={field.value}
        placeholder={field.placeholder}
        onChange={(e) => field.onChange(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, confirm.run)}
      />
      <PanelButtons
        confirm={
          <>
            {confirm.label} <KeyHint command="confirm" />
          </>
        }
        className={confirm.className}
        testId={confirm.testId}
        onConfirm={confirm.run}
        onCancel={() => form.setPanel("none")}
      />
    </div>
  );
}

/** A note for the senior reviewer. */
export function EscalatePanel({ form }: { form: DecisionForm }) {
  const { fields, refs, commands } = form;
  return (
    <TextPanel
      form={form}
      testId="escalate-panel"
      label="Note for the senior reviewer"
      field={{ ref: refs.note, testId: "note-field", rows: 2, value: fields.note, onChange: fields.setNote, placeholder: "Why does this need a senior?" }}
      confirm={{ label: "Escalate", className: "warn", testId: "action-escalate-confirm", run: commands.escalate }}
    />
  );
}

/** The AI's structured output as JSON, to correct in place (same shape). */
export function EditPanel({ form }: { form: DecisionForm }) {
  const { fields, refs, commands } = form;
  return (
    <TextPanel
      form={form}
      testId="edit-panel"
      label="Corrected output (same shape as the AI's)"
      field={{ ref: refs.json, testId: "correction-editor", rows: 8, value: fields.json, onChange: fields.setJson, className: "mono" }}
      confirm={{ label: "Approve with edits", className: "primary", testId: "action-edit-confirm", run: commands.edit }}
    />
  );
}
