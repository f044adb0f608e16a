// Pure formatting helpers; everything here returns plain text, in the reviewer's locale (i18n/).
import type { Action, Stage } from "./backend";
import { locale, t } from "../i18n";

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
  if (minutes < 1) return t("time.lessThanMinute");
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? t("time.daysHours", { d: days, h: hours }) : t("time.days", { d: days });
  if (hours > 0) return mins > 0 ? t("time.hoursMinutes", { h: hours, m: mins }) : t("time.hours", { h: hours });
  return t("time.minutes", { m: mins });
}

/** The SLA countdown for an item due at `dueAt`, seen at `now` (ms). */
export function formatSla(dueAt: string | null, now: number): SlaLabel {
  const none = { text: t("value.empty"), span: t("value.empty"), long: t("time.noDeadline"), overdue: false, urgent: false };
  if (!dueAt) return none;
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return none;
  const left = due - now;
  if (left < 0) {
    const s = span(-left);
    return { text: t("time.over", { span: s }), span: s, long: t("time.overdueByLong", { span: s }), overdue: true, urgent: true };
  }
  const s = span(left);
  return { text: s, span: s, long: t("time.dueInLong", { span: s }), overdue: false, urgent: left < 3_600_000 };
}

/** How old a dated fact is, with its date and year: "12 Nov 2026, 17 days ago". */
export function formatAge(time: string | null | undefined, now: number): string {
  if (!time) return t("value.empty");
  const at = Date.parse(time);
  if (Number.isNaN(at)) return String(time);
  const days = Math.floor((now - at) / 86_400_000);
  const date = new Date(at).toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric" });
  return t("time.dateAge", { date, age: days <= 0 ? t("time.today") : t("time.daysAgo", { count: days }) });
}

/** "just now", "3 min ago", "2 h ago", or a date. */
export function formatAgo(time: string | null, now: number): string {
  if (!time) return t("time.never");
  const at = Date.parse(time);
  if (Number.isNaN(at)) return t("time.unknown");
  const s = Math.round((now - at) / 1000);
  if (s < 10) return t("time.justNow");
  if (s < 60) return t("time.secondsAgo", { n: s });
  if (s < 3600) return t("time.minutesAgo", { n: Math.floor(s / 60) });
  if (s < 86_400) return t("time.hoursAgo", { n: Math.floor(s / 3600) });
  return new Date(at).toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric" });
}

export function formatDateTime(time: string | null | undefined): string {
  if (!time) return t("value.empty");
  const at = Date.parse(time);
  if (Number.isNaN(at)) return String(time);
  return new Date(at).toLocaleString(locale(), { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
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
    return new Intl.NumberFormat(locale(), cur ? { style: "currency", currency: cur } : { minimumFractionDigits: 2 }).format(n);
  } catch {
    return `${cur ?? ""} ${n.toFixed(2)}`.trim();
  }
}

/** A scalar JSON value as text. */
export function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return t("value.empty");
  if (typeof value === "boolean") return value ? t("value.yes") : t("value.no");
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString(locale()) : String(Math.round(value * 1000) / 1000);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function formatPercent(x: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(x);
}

/** 1234 → "1,234" in the reviewer's locale. */
export function formatCount(n: number): string {
  return n.toLocaleString(locale());
}

export function stageLabel(stage: Stage): string {
  return t(`stage.${stage}`);
}

/** What a decision did, in the past tense ("Approved"). */
export function actionDoneLabel(action: Action): string {
  return t(`actionDone.${action}`);
}
