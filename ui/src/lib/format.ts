// Pure formatting helpers; everything here returns plain text.

export interface SlaLabel {
  text: string;
  /** The time left or over, alone ("2h 5m"). */
  span: string;
  /** Spoken form for screen readers. */
  long: string;
  overdue: boolean;
  /** Less than an hour left. */
  urgent: boolean;
}

function span(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "<1m";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return mins > 0 ? `${hours}h ${mins}m` : `${hours}h`;
  return `${mins}m`;
}

/** The SLA countdown for an item due at `dueAt`, seen at `now` (ms). */
export function formatSla(dueAt: string | null, now: number): SlaLabel {
  if (!dueAt) return { text: "—", span: "—", long: "no deadline", overdue: false, urgent: false };
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return { text: "—", span: "—", long: "no deadline", overdue: false, urgent: false };
  const left = due - now;
  if (left < 0) {
    const s = span(-left);
    return { text: `${s} over`, span: s, long: `overdue by ${s}`, overdue: true, urgent: true };
  }
  const s = span(left);
  return { text: s, span: s, long: `due in ${s}`, overdue: false, urgent: left < 3_600_000 };
}

/** How old a dated fact is, with its date and year: "12 Nov 2026, 17 days ago". */
export function formatAge(time: string | null | undefined, now: number): string {
  if (!time) return "—";
  const t = Date.parse(time);
  if (Number.isNaN(t)) return String(time);
  const days = Math.floor((now - t) / 86_400_000);
  const date = new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  return `${date}, ${days <= 0 ? "today" : days === 1 ? "1 day ago" : `${days} days ago`}`;
}

/** "just now", "3 min ago", "2 h ago", or a date. */
export function formatAgo(time: string | null, now: number): string {
  if (!time) return "never";
  const t = Date.parse(time);
  if (Number.isNaN(t)) return "unknown";
  const s = Math.round((now - t) / 1000);
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

export function formatDateTime(time: string | null | undefined): string {
  if (!time) return "—";
  const t = Date.parse(time);
  if (Number.isNaN(t)) return String(time);
  return new Date(t).toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

const ACRONYMS = new Set(["id", "mcc", "os", "alt", "egfr", "sla", "ai", "url", "api", "hba1c", "ip"]);

/** `first_seen_days_ago` → "First seen days ago"; `mcc` → "MCC". */
export function humanizeKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w.toLowerCase()));
  if (words.length === 0) return key;
  const [first, ...rest] = words;
  return [first!.charAt(0).toUpperCase() + first!.slice(1), ...rest].join(" ");
}

export function formatMoney(amount: unknown, currency: unknown): string {
  const n = typeof amount === "number" ? amount : Number(amount);
  const cur = typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? currency : undefined;
  if (!Number.isFinite(n)) return String(amount ?? "—");
  try {
    return new Intl.NumberFormat("en-GB", cur ? { style: "currency", currency: cur } : { minimumFractionDigits: 2 }).format(n);
  } catch {
    return `${cur ?? ""} ${n.toFixed(2)}`.trim();
  }
}

/** A scalar JSON value as text. */
export function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-GB") : String(Math.round(value * 1000) / 1000);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function formatPercent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export const STAGE_LABELS = { review: "Review", escalation: "Escalation", second_approval: "Second approval" } as const;

export const ACTION_LABELS = {
  approve: "Approved",
  approve_with_edits: "Approved with edits",
  reject: "Rejected",
  escalate: "Escalated",
  release: "Released",
} as const;
