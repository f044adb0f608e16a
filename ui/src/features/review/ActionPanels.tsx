import { useId, useState } from "react";
import { t } from "../../i18n";
import { KeyHint } from "../shortcuts/KeyHint";
import type { Item, KindDefinition } from "../../lib/backend";
import { CorrectionEditor } from "./hints/CorrectionEditor";
import { FieldDiff } from "./CorrectionDiff";
import type { Reason } from "./reasons";
import type { DecisionForm } from "./useDecisionForm";

function PanelButtons({ confirm, className, testId, onConfirm, onCancel }: { confirm: React.ReactNode; className: string; testId: string; onConfirm(): void; onCancel(): void }) {
  return (
    <div className="panel-buttons">
      <button type="button" className={className} data-testid={testId} onClick={onConfirm}>
        {confirm}
      </button>
      <button type="button" onClick={onCancel}>
        {t("panel.cancel")} <KeyHint command="close" />
      </button>
    </div>
  );
}

/** Why the reviewer decided so and the decision's tags, kept with it and exported (docs/protocol.md, "Corrections"). */
export function Annotations({ form, onConfirm }: { form: DecisionForm; onConfirm(): void }) {
  const ids = useId();
  const { fields } = form;
  return (
    <div className="annotations" data-testid="annotations">
      <label htmlFor={`${ids}-rationale`}>{t("annotations.rationale")}</label>
      <textarea
        id={`${ids}-rationale`}
        data-testid="rationale-field"
        rows={2}
        value={fields.rationale}
        readOnly={!form.decidable}
        placeholder={t("annotations.rationalePlaceholder")}
        onChange={(e) => fields.setRationale(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, onConfirm)}
      />
      <label htmlFor={`${ids}-tags`}>{t("annotations.tags")}</label>
      <input
        id={`${ids}-tags`}
        data-testid="tags-field"
        type="text"
        value={fields.tags}
        readOnly={!form.decidable}
        aria-describedby={`${ids}-tags-hint`}
        onChange={(e) => fields.setTags(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, onConfirm)}
      />
      <p className="muted small" id={`${ids}-tags-hint`}>
        {t("annotations.tagsHint")}
      </p>
    </div>
  );
}

/** The reasons whose label matches what was typed (start of the label first, then anywhere in it). */
export function matchingReasons(reasons: Reason[], query: string): Reason[] {
  const q = query.trim().toLowerCase();
  if (!q) return reasons;
  const starts = reasons.filter((r) => r.label.toLowerCase().startsWith(q));
  return [...starts, ...reasons.filter((r) => !starts.includes(r) && r.label.toLowerCase().includes(q))];
}

/**
 * A reason (required) from a visible numbered list, and a note. In the reason field, 1-9 picks a reason
 * by its number, typing filters the list and picks the best match, ↑/↓ move, Enter confirms.
 */
export function RejectPanel({ form, reasons }: { form: DecisionForm; reasons: Reason[] }) {
  const ids = useId();
  const { fields, refs, commands } = form;
  const [query, setQuery] = useState("");
  const shown = matchingReasons(reasons, query);
  const optionId = (code: string) => `${ids}-reason-${code}`;

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const digit = /^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey && query === "" ? Number(e.key) : 0;
    if (digit) {
      e.preventDefault();
      const picked = reasons[digit - 1];
      if (picked) fields.setReason(picked.code);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const at = shown.findIndex((r) => r.code === fields.reason);
      const next = shown[Math.min(shown.length - 1, Math.max(0, at + (e.key === "ArrowDown" ? 1 : -1)))];
      if (next) fields.setReason(next.code);
    } else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      commands.reject();
    } else form.panelKeys(e, commands.reject);
  };

  return (
    <div className="action-panel" data-testid="reject-panel">
      <label htmlFor={`${ids}-reason`}>{t("panel.reason")}</label>
      <input
        id={`${ids}-reason`}
        ref={refs.reason}
        role="combobox"
        aria-expanded="true"
        aria-controls={`${ids}-reasons`}
        aria-autocomplete="list"
        aria-activedescendant={fields.reason ? optionId(fields.reason) : undefined}
        aria-describedby={`${ids}-reason-hint`}
        autoComplete="off"
        data-testid="reason-select"
        value={query}
        placeholder={t("panel.reasonPlaceholder")}
        onChange={(e) => {
          setQuery(e.target.value);
          const best = matchingReasons(reasons, e.target.value)[0];
          fields.setReason(e.target.value.trim() && best ? best.code : "");
        }}
        onKeyDown={onKeyDown}
      />
      <ol className="reason-list" id={`${ids}-reasons`} role="listbox" aria-label={t("panel.reasons")} data-testid="reason-list">
        {shown.map((r) => (
          <li
            key={r.code}
            id={optionId(r.code)}
            role="option"
            aria-selected={r.code === fields.reason}
            data-code={r.code}
            onClick={() => {
              fields.setReason(r.code);
              refs.reason.current?.focus();
            }}
          >
            <kbd aria-hidden="true">{reasons.indexOf(r) + 1}</kbd> {r.label}
          </li>
        ))}
        {shown.length === 0 && <li className="muted">{t("panel.noReasonMatches", { query })}</li>}
      </ol>
      <p className="muted small reason-hint" id={`${ids}-reason-hint`}>
        {t("panel.reasonHint")}
      </p>
      <label htmlFor={`${ids}-note`}>{t("panel.note")}</label>
      <textarea
        id={`${ids}-note`}
        ref={refs.note}
        data-testid="note-field"
        rows={2}
        value={fields.note}
        placeholder={t("panel.notePlaceholder")}
        onChange={(e) => fields.setNote(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, commands.reject)}
      />
      <Annotations form={form} onConfirm={commands.reject} />
      <PanelButtons confirm={t("panel.rejectConfirm")} className="danger" testId="action-reject-confirm" onConfirm={commands.reject} onCancel={() => form.setPanel("none")} />
    </div>
  );
}

/** Approving an item the AI flags: its warning again, and a deliberate second step. */
export function ConfirmPanel({ form }: { form: DecisionForm }) {
  return (
    <div className="action-panel confirm-panel" data-testid="confirm-panel" role="group" aria-label={t("panel.confirmApproval")}>
      <p className="confirm-text">
        {form.words.caution} {t("panel.approveAnywayQuestion")}
      </p>
      <div className="panel-buttons">
        <button
          type="button"
          ref={form.refs.confirm}
          className="danger"
          data-testid="action-approve-confirm"
          onClick={form.approveAnyway}
          onKeyDown={(e) => form.panelKeys(e, form.approveAnyway)}
        >
          {t("panel.approveAnyway", { label: form.words.labels.approve })}
        </button>
        <button type="button" onClick={() => form.setPanel("none")}>
          {t("panel.cancel")} <KeyHint command="close" />
        </button>
      </div>
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
      label={t("panel.escalateNote")}
      field={{ ref: refs.note, testId: "note-field", rows: 2, value: fields.note, onChange: fields.setNote, placeholder: t("panel.escalatePlaceholder") }}
      confirm={{ label: t("panel.escalateConfirm"), className: "warn", testId: "action-escalate-confirm", run: commands.escalate }}
    />
  );
}

/**
 * The correction editor bound to the decision form: the kind's output schema and editable fields, the
 * changes so far field by field, and why.
 */
export function FormCorrection({ form, item, definition }: { form: DecisionForm; item: Item; definition: KindDefinition | null }) {
  const changed = JSON.stringify(form.fields.correction) !== JSON.stringify(item.ai.output);
  return (
    <div ref={form.refs.correction}>
      <CorrectionEditor
        aiOutput={item.ai.output}
        value={form.fields.correction}
        onChange={form.fields.setCorrection}
        schema={form.outputSchema}
        editable={definition?.hints.editable ?? []}
        problems={form.problems}
        readOnly={!form.decidable}
        onKeyDown={(e) => form.panelKeys(e, form.commands.edit)}
      />
      {changed && <FieldDiff before={item.ai.output} after={form.fields.correction} />}
      <Annotations form={form} onConfirm={form.commands.edit} />
    </div>
  );
}

/** The AI's structured output, to correct field by field (a kind whose fields are not edited in place). */
export function EditPanel({ form, item, definition }: { form: DecisionForm; item: Item; definition: KindDefinition | null }) {
  return (
    <div className="action-panel" data-testid="edit-panel" role="group" aria-label={t("panel.correction")}>
      <p className="field-label">{t("panel.correction")}</p>
      <FormCorrection form={form} item={item} definition={definition} />
      <PanelButtons
        confirm={
          <>
            {t("decision.edit")} <KeyHint command="confirm" />
          </>
        }
        className="primary"
        testId="action-edit-confirm"
        onConfirm={form.commands.edit}
        onCancel={() => form.setPanel("none")}
      />
    </div>
  );
}
