import type { AppError } from "../../lib/backend";
import { t } from "../../i18n";

/** One plain sentence per error code (the catalogue's `error.*`); the backend's message is the detail. */
export function plainError(error: AppError): string {
  // toAppError already maps an unknown code to `internal`; en.ts checks every code has a sentence.
  return t(`error.${error.code}`);
}

/** An error as one plain sentence, with the technical message behind "Details". */
export function ErrorNotice({ error, testId, className = "error-banner" }: { error: AppError; testId?: string; className?: string }) {
  const plain = plainError(error);
  const details = error.message.trim();
  return (
    <div className={className} role="alert" data-testid={testId}>
      <span>{plain}</span>
      {details && details !== plain && (
        <details className="error-details">
          <summary>{t("error.details")}</summary>
          <span>{details}</span>
        </details>
      )}
    </div>
  );
}
