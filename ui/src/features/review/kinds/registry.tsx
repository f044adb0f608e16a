import type { ComponentType, ReactNode } from "react";
import type { Item, KindDefinition } from "../../../lib/backend";
import { humanizeKey } from "../../../lib/format";
import { t } from "../../../i18n";
import type { ItemCommand } from "../../shortcuts/keymap";
import { asRecord, asString } from "../StructuredValue";
import { COMMON_REASONS, GENERIC_REASONS, reason, type Reason } from "../reasons";
import { ClinicalView } from "./ClinicalView";
import { ContentDraftView } from "./ContentDraftView";
import { GenericView } from "./GenericView";
import { HintedView } from "./HintedView";
import { TransactionView } from "./TransactionView";

export interface KindViewProps {
  item: Item;
  /** The draft editor and its diff, for a kind whose AI output is a text draft (else null). */
  editor: ReactNode;
  /** The current time (ms), for the age of dated facts. */
  now: number;
  /** The kind's registered definition (its display hints), when the server has one. */
  definition: KindDefinition | null;
}

/**
 * A built-in kind's polished view and decision words (a named renderer). Any other registered kind is
 * drawn from its definition's hints (HintedView) and needs no entry here.
 */
export interface NamedRenderer {
  kind: string;
  /** Used only while the server has no definition of the kind: its label, plural and reasons from the catalogue. */
  label: string;
  plural: string;
  reasons: Reason[];
  View: ComponentType<KindViewProps>;
  /** The AI's output is a text the reviewer edits in the draft editor (when it is a string). */
  textDraft?: boolean;
  /** Decision button labels that name what happens for this kind (the rest are the defaults). */
  labels?(item: Item): Partial<Record<ItemCommand, string>>;
  /** Accepting the AI's proposal is itself the cautious choice (blocking a payment), even when flagged. */
  acceptIsSafe?(item: Item): boolean;
}

const verdictOf = (item: Item) => asString(asRecord(item.ai.output).verdict);

export const KINDS: readonly NamedRenderer[] = [
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

/** The built-in kind's named renderer, if it has one. */
export function rendererFor(kind: string): NamedRenderer | undefined {
  return BY_KIND.get(kind);
}

/** What the interface shows of one kind: labels and reject reasons, and the definition they came from. */
export interface KindUi {
  kind: string;
  /** One item ("Transaction"), and the kind filter's option ("Transactions"). */
  label: string;
  plural: string;
  /** Reject reasons, most specific first. */
  reasons: Reason[];
  definition: KindDefinition | null;
}

/**
 * A registered kind is described by its definition (the server refuses any other reason code); a
 * built-in kind the server has not sent yet by its catalogue fallback; any other kind by its name.
 */
export function describeKind(kind: string, definition?: KindDefinition): KindUi {
  const renderer = BY_KIND.get(kind);
  if (definition) return { kind, label: definition.label, plural: definition.plural, reasons: definition.reason_codes, definition };
  if (renderer) return { kind, label: renderer.label, plural: renderer.plural, reasons: renderer.reasons, definition: null };
  const label = humanizeKey(kind);
  return { kind, label, plural: label, reasons: GENERIC_REASONS, definition: null };
}

/** Whether the item's AI output is a text draft edited in the draft editor. */
export function isTextDraft(item: Item): boolean {
  return BY_KIND.get(item.kind)?.textDraft === true && typeof item.ai.output === "string";
}

/**
 * The view for this item: its kind's named renderer, unless the output is not the shape that view
 * expects; else the view drawn from the registered definition's hints; else the generic one.
 */
export function viewFor(item: Item, definition: KindDefinition | null): ComponentType<KindViewProps> {
  const renderer = BY_KIND.get(item.kind);
  if (renderer && !(renderer.textDraft && !isTextDraft(item))) return renderer.View;
  return definition ? HintedView : GenericView;
}
