import { describe, expect, it } from "vitest";
import { formatAgo, formatMoney, formatScalar, formatSla, humanizeKey } from "./format";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

describe("formatSla", () => {
  it.each([
    [45, "45m", false, true],
    [59.5, "59m", false, true],
    [60, "1h", false, false],
    [135, "2h 15m", false, false],
    [24 * 60, "1d", false, false],
    [2 * 24 * 60 + 5 * 60 + 10, "2d 5h", false, false],
    [0.5, "<1m", false, true],
    [-12, "12m over", true, true],
    [-125, "2h 5m over", true, true],
  ])("%s minutes from now reads %s", (minutes, text, overdue, urgent) => {
    const label = formatSla(at(minutes), NOW);
    expect(label.text).toBe(text);
    expect(label.overdue).toBe(overdue);
    expect(label.urgent).toBe(urgent);
  });

  it("has a spoken form and handles no deadline", () => {
    expect(formatSla(at(-12), NOW).long).toBe("overdue by 12m");
    expect(formatSla(at(30), NOW).long).toBe("due in 30m");
    expect(formatSla(null, NOW)).toMatchObject({ text: "—", overdue: false });
    expect(formatSla("not a date", NOW).overdue).toBe(false);
  });
});

describe("formatting helpers", () => {
  it("humanises keys", () => {
    expect(humanizeKey("first_seen_days_ago")).toBe("First seen days ago");
    expect(humanizeKey("mcc")).toBe("MCC");
    expect(humanizeKey("renal_function")).toBe("Renal function");
    expect(humanizeKey("weightKg")).toBe("Weight kg");
  });
  it("formats money, scalars and ages", () => {
    expect(formatMoney(4980, "EUR")).toBe("€4,980.00");
    expect(formatMoney("x", "EUR")).toBe("x");
    expect(formatScalar(true)).toBe("Yes");
    expect(formatScalar(null)).toBe("—");
    expect(formatScalar(0.123456)).toBe("0.123");
    expect(formatAgo(null, NOW)).toBe("never");
    expect(formatAgo(at(-3), NOW)).toBe("3 min ago");
    expect(formatAgo(at(0), NOW)).toBe("just now");
  });
});
