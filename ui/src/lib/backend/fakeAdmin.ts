import { BackendError } from "./backend";
import type { Directory, IssuedToken, QueueHealth, UserChange, UserSummary } from "./types";

/** The fake's users, teams and queue health, with the server's refusals (docs/protocol.md, "Teams"). */
export class FakeDirectory {
  private users: UserSummary[] = [
    { name: "admin", role: "admin", teams: [], disabled: false },
    { name: "ana", role: "reviewer", teams: ["fraud"], disabled: false, full_name: "Ana Ruiz" },
    { name: "bo", role: "senior", teams: ["fraud", "clinical"], disabled: false },
    { name: "chen", role: "reviewer", teams: ["editorial"], disabled: true },
    { name: "shop-bot", role: "producer", teams: [], disabled: false },
  ];
  private readonly teams = ["clinical", "editorial", "fraud"];
  private issued = 0;

  directory(): Directory {
    return { users: this.users.map((u) => ({ ...u, teams: [...u.teams] })), teams: [...this.teams] };
  }

  change(name: string, change: UserChange): UserSummary {
    const user = this.users.find((u) => u.name === name);
    if (!user) throw new BackendError("not_found", `there is no user ${name}`);
    const unknown = change.teams?.find((team) => !this.teams.includes(team));
    if (unknown !== undefined) throw new BackendError("invalid_input", `there is no team ${unknown}`);
    const next = { ...user, ...change, teams: change.teams ?? user.teams };
    const admins = this.users.filter((u) => u.role === "admin" && !u.disabled);
    const losesAdmin = user.role === "admin" && !user.disabled && (next.role !== "admin" || next.disabled);
    if (losesAdmin && admins.length === 1)
      throw new BackendError("last_admin", `${name} is the last enabled admin: make another admin first`);
    this.users = this.users.map((u) => (u.name === name ? next : u));
    return { ...next };
  }

  rotate(name: string, expiresIn: string | undefined, now: number): IssuedToken {
    if (!this.users.some((u) => u.name === name)) throw new BackendError("not_found", `there is no user ${name}`);
    this.issued++;
    const days = expiresIn?.match(/^(\d+)d$/)?.[1];
    return {
      name,
      token: `cs_fake${String(this.issued).padStart(4, "0")}${"x".repeat(32)}`,
      expires_at: days === undefined ? null : new Date(now + Number(days) * 86_400_000).toISOString(),
    };
  }

  health(now: number): QueueHealth {
    const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    return {
      server_time: new Date(now).toISOString(),
      rows: [
        { team: "fraud", stage: "review", depth: 42, held: 30, oldest_created_at: ago(95), past_due: 3 },
        { team: "fraud", stage: "escalation", depth: 4, held: 1, oldest_created_at: ago(240), past_due: 2 },
        { team: "editorial", stage: "review", depth: 12, held: 12, oldest_created_at: ago(20), past_due: 0 },
        { team: "clinical", stage: "second_approval", depth: 2, held: 0, oldest_created_at: ago(50), past_due: 0 },
        { team: null, stage: "review", depth: 1, held: 0, oldest_created_at: ago(5), past_due: 0 },
      ],
    };
  }
}
