import { useEffect, useId, useImperativeHandle, useLayoutEffect, useRef, type Ref } from "react";
import type { AppError, AssignmentView, DecisionRequest } from "../../lib/backend";
import type { ItemCommand, ReadCommand } from "../shortcuts/keymap";
import { ConfirmPanel, EditPanel, EscalatePanel, FormCorrection, RejectPanel } from "./ActionPanels";
import { DecisionBar } from "./DecisionBar";
import { DraftEditor } from "./DraftEditor";
import { HandoffNote } from "./HandoffNote";
import { DecisionStatus, EarlierDecisions, ItemHeader } from "./ItemHeader";
import { useKinds } from "./kinds/KindsContext";
import { viewFor } from "./kinds/registry";
import { ProposalHeader } from "./ProposalPanel";
import { RelatedPanel, type RelatedHandle } from "./RelatedPanel";
import { SignOffPanel } from "./SignOffPanel";
import { TimelinePanel, type TimelineHandle } from "./TimelinePanel";
import { SecondApprovalPanel } from "./SecondApproval";
import { BlindItemView } from "./BlindReadPanel";
import { useMediaQuery } from "../../lib/useMediaQuery";
import { t } from "../../i18n";
import { markFirst } from "../../lib/marks";

/** From this window width the case and the decision sit side by side. */
export const WIDE_LAYOUT = "(min-width: 1200px)";
import { useDecisionForm } from "./useDecisionForm";

export interface ItemViewHandle {
  command(command: ItemCommand): void;
  read(command: ReadCommand): void;
  /** Opens the focused or first held related case; false when there is none. */
  openRelated(): boolean;
  /** Opens the item's timeline and focuses it. */
  openTimeline(): void;
}

/** Scrolls the item body a page, or focuses the next or previous section heading in it. */
function readBody(body: HTMLElement, command: ReadCommand) {
  if (command === "pageDown" || command === "pageUp") {
    const page = Math.max(40, body.clientHeight - 40);
    body.scrollBy({ top: command === "pageDown" ? page : -page });
    return;
  }
  const headings = [...body.querySelectorAll<HTMLElement>("h3")];
  const current = headings.findIndex((h) => h === document.activeElement);
  const top = body.getBoundingClientRect().top;
  const offset = (h: HTMLElement) => h.getBoundingClientRect().top - top;
  const target =
    current >= 0
      ? headings[current + (command === "nextSection" ? 1 : -1)]
      : command === "nextSection"
        ? headings.find((h) => offset(h) > 8)
        : headings.filter((h) => offset(h) < -8).pop();
  if (!target) return;
  target.tabIndex = -1;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: "start" });
}

interface Props {
  view: AssignmentView;
  now: number;
  onDecide(itemId: string, request: DecisionRequest): void;
  onUndo(itemId: string): void;
  /** Opens a related case held here in the review pane. */
  onOpenRelated(itemId: string): void;
  error: AppError | null;
  /** The built-in demo queue: its signing PIN is "demo-pin" (set by the app at each start). */
  demo?: boolean;
  /** The name a signature prints: the signed-in reviewer's full name. */
  signer?: string;
  /** Lets the window's key handler run the item commands. */
  ref?: Ref<ItemViewHandle>;
}

/**
 * One assignment: the kind view, the AI's proposal and the decision controls; for an item read blind
 * first, before the reviewer's own read, only the case and that read (docs/protocol.md, "Blind first read").
 */
export function ItemView(props: Props) {
  // In the DOM (before the browser lays it out and paints), then after that first paint.
  useLayoutEffect(() => markFirst("app:item-view-dom"), []);
  useEffect(() => markFirst("app:item-view"), []);
  return props.view.summary.blind_pending ? <BlindItemView view={props.view} now={props.now} /> : <ReviewedItemView {...props} />;
}

function ReviewedItemView({ view, now, onDecide, onUndo, onOpenRelated, error, demo = false, signer = "", ref }: Props) {
  const { item } = view;
  const itemId = item.id;
  const kind = useKinds().describe(item.kind);
  const { definition } = kind;
  const form = useDecisionForm(view, definition, (request) => onDecide(itemId, request));
  const ids = useId();
  const body = useRef<HTMLDivElement>(null);
  const related = useRef<RelatedHandle>(null);
  const timeline = useRef<TimelineHandle>(null);
  useImperativeHandle(ref, () => ({
    openRelated: () => related.current?.openHeld() ?? false,
    openTimeline: () => timeline.current?.open(),
    command: form.run,
    read: (command) => {
      if (body.current) readBody(body.current, command);
    },
  }));

  // Wide windows keep the AI's proposal, the sign-off and the decision controls in view beside the case.
  const wide = useMediaQuery(WIDE_LAYOUT);
  const KindView = viewFor(item, definition);
  const { panel, decidable, isDraft, inPlace } = form;
  const read = view.blind_read;
  const proposal = (
    <>
      {read && (
        <p className="blind-said" data-testid="blind-said">
          {t("blind.said", { verdict: t(`blind.verdictLower.${read.verdict}`), confidence: read.confidence })}
        </p>
      )}
      <ProposalHeader item={item} />
    </>
  );
  const editor = isDraft ? (
    <DraftEditor itemId={itemId} form={form} onConfirm={form.commands.edit} />
  ) : inPlace ? (
    <section className="panel editor-panel" aria-labelledby={`${ids}-correction`} data-testid="correction-panel">
      <h3 id={`${ids}-correction`}>{t("correction.title")}</h3>
      <FormCorrection form={form} item={item} definition={definition} />
    </section>
  ) : null;
  // Only while it can still be signed: once decided, the signed manifest shows with the decision.
  const signOff = form.needsSignOff && decidable && (
    <SignOffPanel form={form} onConfirm={form.commands.approve} demo={demo} signer={signer} meaning={item.signature_required?.meaning ?? "approval"} now={now} />
  );
  const decisionBar = (
    <DecisionBar decidable={decidable} words={form.words} signOff={form.needsSignOff} notice={form.notice} error={error} onCommand={form.run} offered={form.offered}>
      {panel === "confirm" && decidable && <ConfirmPanel form={form} />}
      {panel === "reject" && decidable && <RejectPanel form={form} reasons={kind.reasons} />}
      {panel === "escalate" && decidable && <EscalatePanel form={form} />}
      {panel === "edit" && decidable && !isDraft && !inPlace && <EditPanel form={form} item={item} definition={definition} />}
    </DecisionBar>
  );
  return (
    <article className="item-view" aria-labelledby={`${ids}-title`} data-testid="item-view" data-item-id={itemId} data-kind={item.kind}>
      <ItemHeader view={view} now={now} titleId={`${ids}-title`} />
      <DecisionStatus view={view} onUndo={() => onUndo(itemId)} />
      <div className={`item-columns${wide ? " wide" : ""}`}>
        {/* Focusable so the keyboard scrolls it (Space, Page Down); the keymap's section keys move through it. */}
        <div className="item-body" ref={body} tabIndex={0} role="region" aria-label={t("item.details")} data-scroll-body>
          <HandoffNote handoff={item.handoff} />
          {form.countersigning && <SecondApprovalPanel item={item} />}
          {/* Countersigning, the panel above shows the first version's changes; once is enough. */}
          <EarlierDecisions decisions={item.decisions} headingId={`${ids}-earlier`} aiOutput={form.countersigning ? undefined : item.ai.output} />
          <KindView item={item} now={now} definition={definition} editor={editor} />
          <RelatedPanel ref={related} itemId={itemId} onOpen={onOpenRelated} />
          <TimelinePanel ref={timeline} itemId={itemId} />
          {!wide && proposal}
          {!wide && signOff}
        </div>
        {wide ? (
          <div className="item-side">
            <div className="side-scroll">
              {proposal}
              {signOff}
            </div>
            {decisionBar}
          </div>
        ) : (
          decisionBar
        )}
      </div>
    </article>
  );
}
