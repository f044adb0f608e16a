import type { ReactNode } from "react";
import { t } from "../../i18n";
import type { AppError } from "../../lib/backend";
import { ErrorNotice } from "../announce/ErrorNotice";
import { KeyHint } from "../shortcuts/KeyHint";
import { ariaKeys, type ItemCommand } from "../shortcuts/keymap";
import { useKeySettings } from "../shortcuts/preference";
import type { ActionWords } from "./actionWords";

const BUTTONS: { command: ItemCommand; testId: string }[] = [
  { command: "approve", testId: "action-approve" },
  { command: "edit", testId: "action-approve-with-edits" },
  { command: "reject", testId: "action-reject" },
  { command: "escalate", testId: "action-escalate" },
  { command: "release", testId: "action-release" },
];

function buttonClass(command: ItemCommand, words: ActionWords): string | undefined {
  if (command === words.primary) return "primary";
  if (command === "release") return "quiet";
  if (command === "reject") return "danger-outline";
  return undefined;
}

interface Props {
  decidable: boolean;
  words: ActionWords;
  /** What the reviewer still has to do: an instruction, shown calmly. */
  notice: string | null;
  /** The item needs a sign-off, which is itself the confirmation of an approval. */
  signOff: boolean;
  /** What went wrong in the backend. */
  error: AppError | null;
  onCommand(command: ItemCommand): void;
  /** Whether the assignment's stage allows the command (`AssignmentView.actions`); others are not shown. */
  offered(command: ItemCommand): boolean;
  children?: ReactNode;
}

/** The decision buttons, with the AI's caution, the open action panel and the last message above them. */
export function DecisionBar({ decidable, words, signOff, notice, error, onCommand, offered, children }: Props) {
  const keys = useKeySettings();
  // The primary action comes first, so a flagged item leads with the safe choice.
  const buttons = BUTTONS.filter((b) => offered(b.command)).sort((a, b) => Number(b.command === words.primary) - Number(a.command === words.primary));
  return (
    <footer className="action-bar" aria-label={t("decision.label")} data-testid="decision-bar">
      {words.caution && decidable && (
        <p className="caution" data-testid="ai-caution">
          <span aria-hidden="true">⚠ </span>
          {words.caution} {signOff ? t("decision.signOffConfirms") : t("decision.asksToConfirm")}
        </p>
      )}
      {error && <ErrorNotice error={error} testId="decision-error" />}
      {notice && (
        <div className="notice" role="status" data-testid="decision-notice">
          {notice}
        </div>
      )}
      {children}
      <div className="actions" role="group" aria-label={t("decision.actions")}>
        {buttons.map((b) => (
          <button
            key={b.command}
            type="button"
            className={buttonClass(b.command, words)}
            data-testid={b.testId}
            disabled={!decidable}
            onClick={() => onCommand(b.command)}
            aria-keyshortcuts={ariaKeys(b.command, keys)}
          >
            {words.labels[b.command]} <KeyHint command={b.command} />
          </button>
        ))}
        <span className="spacer" />
        <span className="muted small hint">
          <KeyHint command="next" />/<KeyHint command="previous" /> {t("decision.nextPrevious")}
          {keys.singleKeys && (
            <>
              {" · "}
              <KeyHint command="help" /> {t("decision.shortcuts")}
            </>
          )}
        </span>
      </div>
    </footer>
  );
}
