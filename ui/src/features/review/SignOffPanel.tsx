import { useId } from "react";
import { t } from "../../i18n";
import type { DecisionForm } from "./useDecisionForm";

/** What the reviewer attests, in their language; the same words are recorded with the decision. */
export function attestationStatement(): string {
  return t("signOff.statement");
}

/** The attestation and the re-entered credential an approval of this item needs. */
export function SignOffPanel({ form, onConfirm, demo }: { form: DecisionForm; onConfirm(): void; demo: boolean }) {
  const ids = useId();
  const { fields, refs, decidable } = form;
  return (
    <section className="panel sign-off" aria-labelledby={`${ids}-so`} data-testid="sign-off">
      <h3 id={`${ids}-so`}>{t("signOff.title")}</h3>
      <label className="attest">
        <input
          ref={refs.attest}
          type="checkbox"
          data-testid="attestation-checkbox"
          checked={fields.attested}
          disabled={!decidable}
          onChange={(e) => fields.setAttested(e.target.checked)}
        />
        <span>{attestationStatement()}</span>
      </label>
      <label className="field-label" htmlFor={`${ids}-cred`}>
        {t("signOff.credential")}
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
        {t("signOff.help")}
        {demo && ` ${t("signOff.demo")}`}
      </p>
    </section>
  );
}
