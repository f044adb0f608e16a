import type {
  AppStatus,
  AssignmentView,
  ConflictRecord,
  DecisionRequest,
  InboxPage,
  InboxQuery,
  RecordedDecision,
} from "./types";

export type Unlisten = () => void;

/** Everything the review interface needs from the desktop core; one method per shell command. */
export interface Backend {
  appStatus(): Promise<AppStatus>;
  listAssignments(query: InboxQuery): Promise<InboxPage>;
  getAssignment(itemId: string): Promise<AssignmentView>;
  decide(itemId: string, input: DecisionRequest): Promise<RecordedDecision>;
  undoDecision(itemId: string): Promise<void>;
  saveDraft(itemId: string, text: string): Promise<void>;
  listConflicts(): Promise<ConflictRecord[]>;
  resolveConflict(id: number): Promise<void>;
  syncNow(): Promise<AppStatus>;
  signIn(server: string, token: string): Promise<AppStatus>;
  signOut(): Promise<AppStatus>;
  useEmbeddedDemo(): Promise<AppStatus>;
  onStatusChanged(handler: (status: AppStatus) => void): Promise<Unlisten>;
  onInboxChanged(handler: () => void): Promise<Unlisten>;
}

export class BackendError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/** Turns whatever a command rejected with into `{code, message}`; the UI branches on `code` only. */
export function toAppError(error: unknown): { code: string; message: string } {
  if (error instanceof BackendError) return { code: error.code, message: error.message };
  if (error && typeof error === "object" && "code" in error && "message" in error) {
    const { code, message } = error as { code: unknown; message: unknown };
    return { code: String(code), message: String(message) };
  }
  if (error instanceof Error) return { code: "internal", message: error.message };
  return { code: "internal", message: typeof error === "string" ? error : "Something went wrong." };
}
