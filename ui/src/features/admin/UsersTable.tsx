import { useState } from "react";
import type { AppError, Role, UserChange, UserSummary } from "../../lib/backend";
import { ErrorNotice } from "../announce/ErrorNotice";
import { Dialog } from "../shortcuts/Dialog";
import { TokenDialog } from "./TokenDialog";
import { t } from "../../i18n";

const ROLES: Role[] = ["reviewer", "senior", "admin", "producer"];

type Pending = { kind: "toggle" | "teams" | "token"; user: UserSummary } | null;

interface Props {
  users: UserSummary[];
  teams: string[];
  onChange(name: string, change: UserChange): Promise<AppError | null>;
  onDone(message: string): void;
}

/** Every user with role, teams and state; role, teams, disabled and a new token, each refusal shown where it was asked. */
export function UsersTable({ users, teams, onChange, onDone }: Props) {
  const [pending, setPending] = useState<Pending>(null);
  const [error, setError] = useState<AppError | null>(null);

  const apply = async (name: string, change: UserChange) => {
    const refused = await onChange(name, change);
    setError(refused);
    if (!refused) {
      setPending(null);
      onDone(t("admin.changed", { name }));
    }
    return refused;
  };

  return (
    <>
      {error && !pending && <ErrorNotice error={error} testId="admin-error" />}
      <table className="admin-table" data-testid="users-table">
        <thead>
          <tr>
            <th scope="col">{t("admin.name")}</th>
            <th scope="col">{t("admin.role")}</th>
            <th scope="col">{t("admin.teams")}</th>
            <th scope="col">{t("admin.state")}</th>
            <th scope="col">{t("admin.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.name} data-testid="user-row" data-user={user.name} data-disabled={user.disabled}>
              <th scope="row">
                {user.name}
                {user.full_name && <div className="muted small">{user.full_name}</div>}
              </th>
              <td>
                <select
                  aria-label={t("admin.roleOf", { name: user.name })}
                  data-testid="user-role"
                  value={user.role}
                  onChange={(e) => void apply(user.name, { role: e.target.value as Role })}
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(`admin.roles.${role}`)}
                    </option>
                  ))}
                </select>
              </td>
              <td>{user.teams.length ? user.teams.join(", ") : <span className="muted">{t("admin.noTeams")}</span>}</td>
              <td>
                <span className={`status-chip${user.disabled ? " off" : ""}`}>{user.disabled ? t("admin.disabled") : t("admin.active")}</span>
              </td>
              <td>
                <div className="admin-actions">
                  <button type="button" className="quiet" data-testid="user-teams" onClick={() => setPending({ kind: "teams", user })}>
                    {t("admin.editTeams")}
                  </button>
                  <button type="button" className="quiet" data-testid="user-toggle" onClick={() => setPending({ kind: "toggle", user })}>
                    {user.disabled ? t("admin.enable") : t("admin.disable")}
                  </button>
                  <button type="button" className="quiet" data-testid="user-rotate" onClick={() => setPending({ kind: "token", user })}>
                    {t("admin.rotate")}
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pending?.kind === "toggle" && (
        <ToggleDialog user={pending.user} error={error} onConfirm={() => void apply(pending.user.name, { disabled: !pending.user.disabled })} onClose={close(setPending, setError)} />
      )}
      {pending?.kind === "teams" && (
        <TeamsDialog user={pending.user} teams={teams} error={error} onSave={(chosen) => void apply(pending.user.name, { teams: chosen })} onClose={close(setPending, setError)} />
      )}
      {pending?.kind === "token" && <TokenDialog name={pending.user.name} onClose={close(setPending, setError)} />}
    </>
  );
}

function close(setPending: (p: Pending) => void, setError: (e: AppError | null) => void) {
  return () => {
    setPending(null);
    setError(null);
  };
}

function ToggleDialog({ user, error, onConfirm, onClose }: { user: UserSummary; error: AppError | null; onConfirm(): void; onClose(): void }) {
  const enabling = user.disabled;
  return (
    <Dialog title={t(enabling ? "admin.enableTitle" : "admin.disableTitle", { name: user.name })} onClose={onClose} testId="toggle-dialog">
      <p>{t(enabling ? "admin.enableText" : "admin.disableText")}</p>
      {error && <ErrorNotice error={error} testId="toggle-error" />}
      <div className="panel-buttons">
        <button type="button" className={enabling ? "primary" : "danger"} data-testid="toggle-confirm" onClick={onConfirm}>
          {t(enabling ? "admin.confirmEnable" : "admin.confirmDisable")}
        </button>
        <button type="button" className="quiet" onClick={onClose}>
          {t("admin.cancel")}
        </button>
      </div>
    </Dialog>
  );
}

function TeamsDialog({ user, teams, error, onSave, onClose }: { user: UserSummary; teams: string[]; error: AppError | null; onSave(teams: string[]): void; onClose(): void }) {
  const [chosen, setChosen] = useState(() => new Set(user.teams));
  const flip = (team: string) =>
    setChosen((c) => {
      const next = new Set(c);
      if (!next.delete(team)) next.add(team);
      return next;
    });
  return (
    <Dialog title={t("admin.teamsOf", { name: user.name })} onClose={onClose} testId="teams-dialog">
      <fieldset className="team-choices">
        <legend className="sr-only">{t("admin.teams")}</legend>
        {teams.map((team) => (
          <label key={team}>
            <input type="checkbox" checked={chosen.has(team)} onChange={() => flip(team)} data-testid={`team-${team}`} /> {team}
          </label>
        ))}
      </fieldset>
      {error && <ErrorNotice error={error} testId="teams-error" />}
      <div className="panel-buttons">
        <button type="button" className="primary" data-testid="teams-save" onClick={() => onSave(teams.filter((team) => chosen.has(team)))}>
          {t("admin.saveTeams")}
        </button>
        <button type="button" className="quiet" onClick={onClose}>
          {t("admin.cancel")}
        </button>
      </div>
    </Dialog>
  );
}
