import { useId } from "react";
import type { DecisionForm } from "./useDecisionForm";

export const ATTESTATION_STATEMENT =
  "I have reviewed this suggestion against the patient's record, checked the contraindications, and take clinical responsibility for this order.";

/** The attestation and the re-entered credential an approval of this item needs. */
export function SignOffPanel({ form, onConfirm, demo }: { form: DecisionForm; onConfirm(): void; demo: boolean }) {
  const ids = useId();
  const { fields, refs, decidable } = form;
  return (
    <section className="panel sign-off" aria-labelledby={`${ids}-so`} data-testid="sign-off">
      <h3 id={`${ids}-so`}>Clinical sign-off</h3>
      <label className="attest">
        <input
          ref={refs.attest}
          type="checkbox"
          data-testid="attestation-checkbox"
          checked={fields.attested}
          disabled={!decidable}
          onChange={(e) => fields.setAttested(e.target.checked)}
        />
        <span>{ATTESTATION_STATEMENT}</span>
      </label>
      <label className="field-label" htmlFor={`${ids}-cred`}>
        Re-enter your credential to sign
      </label>
      <input
        ref={refs.credential}
        id={`${ids}-cred`}
        type="password"
        autoComplete="current-password"
        data-testid="credential-field"
        value={fields.credential}
        disabled={!decidable}
        onChange={(e) => fields.setCredential(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, onConfirm)}
      />
      <p className="muted small">
        Required to approve. Your credential is checked on this device and never stored with the decision.
        {demo && " In the built-in demo queue the credential is “demo”."}
      </p>
    </section>
  );
}
