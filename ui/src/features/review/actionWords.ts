import type { Item } from "../../lib/backend";
import { t } from "../../i18n";
import type { ItemCommand } from "../shortcuts/keymap";
import { rendererFor } from "./kinds/registry";
import { asRecord } from "./StructuredValue";

/** What each decision button says on one item, which one is primary, and why approving needs care. */
export interface ActionWords {
  labels: Record<ItemCommand, string>;
  primary: ItemCommand;
  /** The AI's own warning (a contraindication, an allergy, high risk) when approving is the risky choice. */
  caution: string | null;
}

export function defaultLabels(): Record<ItemCommand, string> {
  return {
    approve: t("decision.approve"),
    edit: t("decision.edit"),
    reject: t("decision.reject"),
    escalate: t("decision.escalate"),
    release: t("decision.release"),
  };
}

/** What the AI itself flags about the case: the first warning in its output, else a high or critical risk. */
export function aiCaution(item: Item): string | null {
  const warnings = asRecord(item.ai.output).warnings;
  if (Array.isArray(warnings) && warnings.length > 0) return t("decision.aiFlags", { warning: String(warnings[0]) });
  if (item.ai.risk === "high" || item.ai.risk === "critical") return t("decision.aiRisk", { level: t(`risk.${item.ai.risk}`).toLowerCase() });
  return null;
}

/**
 * The words of the decision buttons. Labels name the consequence per kind (kinds/registry.tsx); when
 * the AI flags a danger and accepting its proposal is not itself the safe choice, rejecting is the
 * primary action and approving asks for confirmation.
 */
export function actionWords(item: Item): ActionWords {
  const spec = rendererFor(item.kind);
  const labels = { ...defaultLabels(), ...spec?.labels?.(item) };
  const flagged = aiCaution(item);
  const caution = flagged && !spec?.acceptIsSafe?.(item) ? flagged : null;
  return { labels, primary: caution ? "reject" : "approve", caution };
}
