import { useId, useState } from "react";
import { toAppError, type AppError } from "../../lib/backend";
import { useBackend } from "../../lib/backend/context";
import { ErrorNotice } from "../announce/ErrorNotice";
import { t } from "../../i18n";

/** Sets the signing PIN on the queue and registers this device's signing key (docs/protocol.md, "Signatures"). */
export function SigningPinSetting() {
  const backend = useBackend();
  const id = useId();
  const [current, setCurrent] = useState("");
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await backend.setSigningPin(pin, current || null);
      setSaved(true);
      setPin("");
      setCurrent("");
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="signing-pin-setting"
      aria-labelledby={`${id}-h`}
      data-testid="signing-pin-setting"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3 id={`${id}-h`}>{t("signingPin.title")}</h3>
      <p className="muted small">{t("signingPin.help")}</p>
      <label htmlFor={`${id}-current`}>{t("signingPin.current")}</label>
      <input
        id={`${id}-current`}
        data-testid="signing-pin-current"
        type="password"
        autoComplete="off"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <label htmlFor={`${id}-pin`}>{t("signingPin.pin")}</label>
      <input
        id={`${id}-pin`}
        data-testid="signing-pin-new"
        type="password"
        autoComplete="off"
        required
        minLength={6}
        value={pin}
        onChange={(e) => setPin(e.target.value)}
      />
      {error && <ErrorNotice error={error} testId="signing-pin-error" />}
      {saved && (
        <p role="status" data-testid="signing-pin-saved">
          {t("signingPin.saved")}
        </p>
      )}
      <div className="panel-buttons">
        <button type="submit" disabled={busy} data-testid="signing-pin-save">
          {t("signingPin.save")}
        </button>
      </div>
    </form>
  );
}
