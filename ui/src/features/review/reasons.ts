import { t } from "../../i18n";

/**
 * A reject reason: what the reviewer disagrees with. A registered kind's come from its definition
 * (`ReasonCode`, the same shape); the catalogue's below are the fallbacks for kinds the server has not
 * described (kinds/registry.tsx).
 */
export interface Reason {
  code: string;
  /** In the reviewer's language (the catalogue's `reason.<code>`). */
  readonly label: string;
}

export function reason(code: string): Reason {
  return {
    code,
    get label() {
      return t(`reason.${code}`);
    },
  };
}

/** Offered for every kind, after the kind's own reasons. */
export const COMMON_REASONS: Reason[] = ["insufficient_evidence", "other"].map(reason);

/** For kinds without a list of their own. */
export const GENERIC_REASONS: Reason[] = [...["incorrect", "policy_violation"].map(reason), ...COMMON_REASONS];
