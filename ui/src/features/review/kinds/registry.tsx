import type { ComponentType, ReactNode } from "react";
import type { Item } from "../../../lib/backend";
import { humanizeKey } from "../../../lib/format";
import { t } from "../../../i18n";
import type { ItemCommand } from "../../shortcuts/keymap";
import { asRecord, asString } from "../StructuredValue";
import { COMMON_REASONS, GENERIC_REASONS, reason, type Reason } from "../reasons";
import { ClinicalView } from "./ClinicalView";
import { ContentDraftView } from "./ContentDraftView";
import { GenericView } from "./GenericView";
import { TransactionView } from "./TransactionView";

export interface KindViewProps {
  item: Item;
  /** The draft editor and its diff, for a kind whose AI output is a text draft (else null). */
  editor: ReactNode;
  /** The current time (ms), for the age of dated facts. */
  now: number;
}

/** Everything the interface knows about one item kind; a new kind is one entry in KINDS. */
export interface KindSpec {
  kind: string;
  /** One item ("Transaction"), and the kind filter's option ("Transactions"). */
  label: string;
  plural: string;
  View: ComponentType<KindViewProps>;
  /** Reject reasons, most specific first. */
  reasons: Reason[];
  /** The AI's output is a text the reviewer edits in the draft editor (when it is a string). */
  textDraft?: boolean;
  /** Decision button labels that name what happens for this kind (the rest are the defaults). */
  labels?(item: Item): Partial<Record<ItemCommand, string>>;
  /** Accepting the AI's proposal is itself the cautious choice (blocking a payment), even when flagged. */
  acceptIsSafe?(item: Item): boolean;
}

const verdictOf = (item: Item) => asString(asRecord(item.ai.output).verdict);

export const KINDS: readonly KindSpec[] = [
  {
    kind: "transaction",
    get label() {
      return t("kinds.transaction");
    },
    get plural() {
      return t("kinds.transactions");
    },
    View: TransactionView,
    labels: (item) => {
      const verdict = verdictOf(item);
      return verdict ? { approve: t("decision.acceptVerdict", { verdict: humanizeKey(verdict) }), edit: t("decision.changeVerdict"), reject: t("decision.override") } : {};
    },
    acceptIsSafe: (item) => verdictOf(item) === "block",
    reasons: [...["false_positive", "confirmed_fraud", "wrong_verdict", "customer_contacted"].map(reason), ...COMMON_REASONS],
  },
  {
    kind: "content_draft",
    get label() {
      return t("kinds.content_draft");
    },
    get plural() {
      return t("kinds.content_drafts");
    },
    View: ContentDraftView,
    textDraft: true,
    labels: () => ({ approve: t("decision.approveDraft"), edit: t("decision.approveMyEdits") }),
    reasons: [...["off_brief", "unsubstantiated_claim", "factual_error", "tone_or_brand", "too_long"].map(reason), ...COMMON_REASONS],
  },
  {
    kind: "clinical_suggestion",
    get label() {
      return t("kinds.clinical_suggestion");
    },
    get plural() {
      return t("kinds.clinical_suggestion");
    },
    View: ClinicalView,
    labels: (item) =>
      asRecord(item.payload).requires_attestation === true
        ? { approve: t("decision.signOff"), edit: t("decision.signOffChanged") }
        : { approve: t("decision.acceptOrder"), edit: t("decision.changeOrder") },
    reasons: [...["contraindicated", "allergy", "interaction", "wrong_dose", "not_indicated"].map(reason), ...COMMON_REASONS],
  },
];

const BY_KIND = new Map(KINDS.map((spec) => [spec.kind, spec]));

/** The kind's entry; an unknown kind gets the generic view and reasons, labelled from its name. */
export function kindSpec(kind: string): KindSpec {
  const label = humanizeKey(kind);
  return BY_KIND.get(kind) ?? { kind, label, plural: label, View: GenericView, reasons: GENERIC_REASONS };
}

export function kindLabel(kind: string): string {
  return kindSpec(kind).label;
}

/** Whether the item's AI output is a text draft edited in the draft editor. */
export function isTextDraft(item: Item): boolean {
  return kindSpec(item.kind).textDraft === true && typeof item.ai.output === "string";
}

/** The view for this item: its kind's, or the generic one when the output is not the shape the kind's view expects. */
export function viewFor(item: Item): ComponentType<KindViewProps> {
  const spec = kindSpec(item.kind);
  return spec.textDraft && !isTextDraft(item) ? GenericView : spec.View;
}
