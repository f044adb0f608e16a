import { useEffect, useMemo, useRef, useState } from "react";
import type { Action, AssignmentView, DecisionRequest, KindDefinition } from "../../lib/backend";
import { DEFAULT_KEYS, matches, type ItemCommand } from "../shortcuts/keymap";
import { actionWords } from "./actionWords";
import { isTextDraft, rendererFor } from "./kinds/registry";
import { attestationStatement } from "./SignOffPanel";
import { t } from "../../i18n";
import { asksAttestation, needsSignOff as signOffNeeded } from "../../lib/backend/signOff";
import { schemaChecker, shapeOf } from "./hints/schema";
import { firstApproval } from "./SecondApproval";

/** The action panel open under the item: a reason to give, a note to write or a correction to make. */
export type Panel = "none" | "reject" | "escalate" | "edit" | "confirm";

const request = (action: Action, patch: Partial<DecisionRequest> = {}): DecisionRequest => ({
  action,
  correction: null,
  reason_code: null,
  note: null,
  attestation: null,
  pin: null,
  ...patch,
});

/** Tags as typed: separated by commas, blanks and repeats dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(",").map((tag) => tag.trim()).filter(Boolean))];
}

function initialDraft(view: AssignmentView): string {
  if (typeof view.draft === "string") return view.draft;
  return typeof view.item.ai.output === "string" ? view.item.ai.output : "";
}

/**
 * The kind is drawn from its hints (no named renderer) and has text fields under its output for the
 * reviewer to edit in place (`hints.editable`): the correction editor sits in the view, not in a panel.
 */
export function editsInPlace(item: AssignmentView["item"], definition: KindDefinition | null): boolean {
  const output = item.ai.output;
  if (rendererFor(item.kind) || output === null || typeof output !== "object") return false;
  return definition?.hints.editable.some((h) => h.pointer.startsWith("/ai/output/")) ?? false;
}

/**
 * What the reviewer is filling in on one item and the rules a decision must meet before it is sent:
 * a reason for a rejection, a real change that the kind's output schema accepts for approve-with-edits,
 * the attestation and signing PIN for a sign-off. Each command opens its panel first, then submits; a
 * missing piece focuses its field.
 */
/** The decision each command makes. */
const ACTION_OF: Record<ItemCommand, Action> = { approve: "approve", edit: "approve_with_edits", reject: "reject", escalate: "escalate", release: "release" };

export function useDecisionForm(view: AssignmentView, definition: KindDefinition | null, onSubmit: (request: DecisionRequest) => void) {
  const { item, summary } = view;
  const isDraft = isTextDraft(item);
  const needsSignOff = signOffNeeded(item);
  const attestation = asksAttestation(item);
  const aiText = typeof item.ai.output === "string" ? item.ai.output : "";
  const decidable = summary.status === "open" || summary.status === "rejected";
  // A second approver accepts or rejects the first approver's version as it stands, so the buttons
  // speak of that version, not of the AI's.
  const countersigning = summary.stage === "second_approval";
  const first = countersigning ? firstApproval(item) : null;
  const words = actionWords(first?.correction != null ? { ...item, ai: { ...item.ai, output: first.correction } } : item);
  // A sign-off is itself the confirmation (its statement covers the contraindications).
  const confirmApproval = words.caution !== null && !needsSignOff;

  const [panel, setPanel] = useState<Panel>("none");
  const [draft, setDraft] = useState(() => initialDraft(view));
  const [correction, setCorrection] = useState<unknown>(() => item.ai.output);
  // A kind the server has not described keeps the AI output's own shape.
  const outputSchema = useMemo(() => definition?.output_schema ?? shapeOf(item.ai.output), [definition, item.ai.output]);
  const check = useMemo(() => schemaChecker(outputSchema), [outputSchema]);
  const problems = useMemo(() => check(isDraft ? draft : correction), [check, isDraft, draft, correction]);
  const inPlace = !isDraft && editsInPlace(item, definition);
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [attested, setAttested] = useState(false);
  const [pin, setPin] = useState("");
  // Why the reviewer corrected or rejected, and labels (docs/protocol.md, "Corrections").
  const [rationale, setRationale] = useState("");
  const [tags, setTags] = useState("");
  // What the reviewer still has to do (an instruction, never shown as an error).
  const [notice, setNotice] = useState<string | null>(null);

  const refs = {
    editor: useRef<HTMLTextAreaElement>(null),
    reason: useRef<HTMLInputElement>(null),
    note: useRef<HTMLTextAreaElement>(null),
    /** The correction editor (its first field takes the focus). */
    correction: useRef<HTMLDivElement>(null),
    attest: useRef<HTMLInputElement>(null),
    pin: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLButtonElement>(null),
  };
  const edited = isDraft && draft !== aiText;

  useEffect(() => {
    if (panel === "reject") refs.reason.current?.focus();
    else if (panel === "escalate") refs.note.current?.focus();
    else if (panel === "edit") focusCorrection();
    else if (panel === "confirm") refs.confirm.current?.focus();
    // The refs are stable; only a newly opened panel moves the focus.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [panel]);

  function focusCorrection(pointer?: string) {
    const root = refs.correction.current;
    const field = pointer === undefined ? null : root?.querySelector<HTMLElement>(`[data-pointer="${CSS.escape(pointer)}"]`);
    (field ?? root?.querySelector<HTMLElement>("textarea, input, select"))?.focus();
  }

  /** The kind's output schema refuses the correction: say so at the first refused field, send nothing. */
  const refused = (): boolean => {
    if (problems.length === 0) return false;
    setNotice(t("notice.schemaRefused"));
    if (isDraft) refs.editor.current?.focus();
    else focusCorrection(problems[0]?.pointer);
    return true;
  };

  const signOff = (): Partial<DecisionRequest> | null => {
    if (!needsSignOff) return {};
    if (attestation && !attested) {
      setNotice(t("notice.attest"));
      refs.attest.current?.focus();
      return null;
    }
    if (!pin) {
      setNotice(t("notice.pin"));
      refs.pin.current?.focus();
      return null;
    }
    return { attestation: attestation ? attestationStatement() : null, pin };
  };

  /** The rationale and tags, when the reviewer gave them. */
  const annotations = (): Partial<DecisionRequest> => ({
    rationale: rationale.trim() || undefined,
    tags: parseTags(tags),
  });

  const submit = (req: DecisionRequest) => {
    setNotice(null);
    onSubmit(req);
  };

  const approveAnyway = () => {
    const s = signOff();
    if (s) submit(request("approve", s));
  };

  /** Approves; on an item the AI flags, first asks (the confirmation panel), and only its button submits. */
  const approve = () => {
    if (!confirmApproval) approveAnyway();
    else if (panel !== "confirm") setPanel("confirm");
    else refs.confirm.current?.focus();
  };

  const approveWithEdits = () => {
    if (isDraft) {
      if (!edited) {
        setNotice(t("notice.editDraft"));
        refs.editor.current?.focus();
        return;
      }
      if (refused()) return;
      const s = signOff();
      if (s) submit(request("approve_with_edits", { correction: draft, ...annotations(), ...s }));
      return;
    }
    if (!inPlace && panel !== "edit") {
      setPanel("edit");
      return;
    }
    if (JSON.stringify(correction) === JSON.stringify(item.ai.output)) {
      setNotice(t("notice.unchanged"));
      focusCorrection();
      return;
    }
    if (refused()) return;
    const s = signOff();
    if (s) submit(request("approve_with_edits", { correction, ...annotations(), ...s }));
  };

  const reject = () => {
    if (panel !== "reject") {
      setPanel("reject");
      return;
    }
    if (!reason) {
      setNotice(t("notice.reason"));
      refs.reason.current?.focus();
      return;
    }
    submit(request("reject", { reason_code: reason, note: note.trim() || null, ...annotations() }));
  };

  const escalate = () => {
    if (panel !== "escalate") {
      setPanel("escalate");
      return;
    }
    submit(request("escalate", { note: note.trim() || null }));
  };

  const release = () => submit(request("release", { note: note.trim() || null }));

  const commands: Record<ItemCommand, () => void> = { approve, edit: approveWithEdits, reject, escalate, release };
  const offered = (command: ItemCommand) => view.actions.includes(ACTION_OF[command]);
  const run = (command: ItemCommand) => {
    if (!decidable) return;
    // A key for an action this stage does not allow (the buttons hide it) says why instead.
    if (offered(command)) commands[command]();
    else setNotice(t(countersigning ? "secondApproval.noEdits" : "decision.notOffered", { label: words.labels[command] }));
  };

  const closePanel = () => {
    setPanel("none");
    setNotice(null);
  };

  /** Keys inside a panel's fields: the keymap's confirm submits, its close leaves the panel. */
  const panelKeys = (e: React.KeyboardEvent, onConfirm: () => void) => {
    if (matches(e, "confirm", DEFAULT_KEYS)) {
      e.preventDefault();
      onConfirm();
    } else if (matches(e, "close", DEFAULT_KEYS)) {
      e.preventDefault();
      closePanel();
      (e.target as HTMLElement).blur();
    }
  };

  return {
    isDraft,
    needsSignOff,
    asksAttestation: attestation,
    aiText,
    decidable,
    edited,
    words,
    panel,
    setPanel,
    inPlace,
    problems,
    outputSchema,
    fields: { draft, setDraft, correction, setCorrection, reason, setReason, note, setNote, attested, setAttested, pin, setPin, rationale, setRationale, tags, setTags },
    countersigning,
    refs,
    notice,
    run,
    offered,
    commands,
    approveAnyway,
    panelKeys,
  };
}

export type DecisionForm = ReturnType<typeof useDecisionForm>;
