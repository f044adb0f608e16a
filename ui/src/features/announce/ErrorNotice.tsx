import type { AppError, ErrorCode } from "../../lib/backend";

/** One plain sentence per error code; the backend's own message is the technical detail. */
const PLAIN: Record<ErrorCode, string> = {
  not_found: "This item is no longer in your queue.",
  invalid_decision: "The decision was not accepted as it stands.",
  already_decided: "This decision was already made or uploaded.",
  not_signed_in: "Sign in to see your queue.",
  keyring_unavailable: "The system keyring is not available, so the token cannot be kept.",
  server_unreachable: "The queue server cannot be reached.",
  bad_credential: "The credential was not accepted.",
  storage: "This device could not save the change.",
  internal: "Something went wrong.",
};

export function plainError(error: AppError): string {
  return PLAIN[error.code] ?? PLAIN.internal;
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
          <summary>Details</summary>
          <span>{details}</span>
        </details>
      )}
    </div>
  );
}
