import { useId } from "react";
import { t } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import type { SignatureMeaning } from "../../lib/backend";
import type { DecisionForm } from "./useDecisionForm";

/** What the reviewer attests, in their language; the same words are recorded with the decision. */
export function attestationStatement(): string {
  return t("signOff.statement");
}

/** A signature's meaning in words ("approval"). */
export function meaningWord(meaning: SignatureMeaning): string {
  return t(`signature.meaning.${meaning}`);
}

interface Props {
  form: DecisionForm;
  onConfirm(): void;
  demo: boolean;
  /** The name the signature prints (the signer's full name). */
  signer: string;
  meaning: SignatureMeaning;
  now: number;
}

/** The attestation (when the producer asks for one) and the signing PIN an approval of this item needs. */
export function SignOffPanel({ form, onConfirm, demo, signer, meaning, now }: Props) {
  const ids = useId();
  const { fields, refs } = form;
  return (
    <section className="panel sign-off" aria-labelledby={`${ids}-so`} data-testid="sign-off">
      <h3 id={`${ids}-so`}>{t("signOff.title")}</h3>
      {form.asksAttestation && (
        <label className="attest">
          <input
            ref={refs.attest}
            type="checkbox"
            data-testid="attestation-checkbox"
            checked={fields.attested}
            onChange={(e) => fields.setAttested(e.target.checked)}
          />
          <span>{attestationStatement()}</span>
        </label>
      )}
      <p data-testid="signature-statement">
        {t("signOff.manifest", { name: signer, meaning: meaningWord(meaning), at: formatDateTime(new Date(now).toISOString()) })}
      </p>
      <label className="field-label" htmlFor={`${ids}-pin`}>
        {t("signOff.pin")}
      </label>
      <input
        ref={refs.pin}
        id={`${ids}-pin`}
        type="password"
        autoComplete="off"
        data-testid="signing-pin-field"
        value={fields.pin}
        onChange={(e) => fields.setPin(e.target.value)}
        onKeyDown={(e) => form.panelKeys(e, onConfirm)}
      />
      <p className="muted small">
        {t("signOff.help")}
        {demo && ` ${t("signOff.demo")}`}
      </p>
    </section>
  );
}
