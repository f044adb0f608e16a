import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";
import { fatiguedSignals, freshSignals } from "../../lib/backend/fakeFatigue";
import { breakMessage, formatDuration } from "./describe";

const NOW = Date.parse("2026-11-30T10:30:00Z");

async function reviewer(backend: FakeBackend) {
  render(<App backend={backend} />);
  await screen.findByRole("article");
}

describe("the break suggestion", () => {
  it("says what it saw in words a professional accepts, and stays away once dismissed", async () => {
    const backend = new FakeBackend({ count: 4, uploadDelayMs: null, now: () => NOW });
    backend.fatigue = fatiguedSignals(NOW);
    await reviewer(backend);
    const suggestion = await screen.findByTestId("break-suggestion");
    expect(suggestion.textContent).toContain(
      "Your last 20 decisions took 38% of your usual time and you have been reviewing for 2 h 10 min without a break. A short break helps accuracy.",
    );
    fireEvent.click(screen.getByTestId("break-dismiss"));
    expect(screen.queryByTestId("break-suggestion")).toBeNull();
    // A decision changes the status and the signals are read again: the same step stays dismissed.
    await act(async () => {
      await backend.syncNow();
    });
    expect(backend.calls.filter((c) => c.command === "own_fatigue").length).toBeGreaterThan(1);
    expect(screen.queryByTestId("break-suggestion")).toBeNull();
  });

  it("shows nothing to a fresh reviewer, and the session in the status bar", async () => {
    const backend = new FakeBackend({ count: 4, uploadDelayMs: null, now: () => NOW });
    await reviewer(backend);
    const readout = await screen.findByTestId("session-readout");
    // The last break's age is told against the app's own clock.
    expect(readout.textContent).toMatch(/^Session 25 min · 18 decisions · last pause /);
    expect(screen.queryByTestId("break-suggestion")).toBeNull();
  });

  it("reports an opened item so the decision knows its time on item", async () => {
    const backend = new FakeBackend({ count: 4, uploadDelayMs: null, now: () => NOW });
    await reviewer(backend);
    await waitFor(() => expect(backend.calls.some((c) => c.command === "item_opened")).toBe(true));
  });
});

describe("fatigue wording", () => {
  it("formats durations and joins reasons", () => {
    expect(formatDuration(30)).toBe("under a minute");
    expect(formatDuration(25 * 60)).toBe("25 min");
    expect(formatDuration(130 * 60)).toBe("2 h 10 min");
    expect(breakMessage(freshSignals(NOW))).toBe("");
    const streak = freshSignals(NOW);
    streak.verdict = "tiring";
    streak.streak = { action: "approve", current: 30, longest: 30 };
    streak.reasons = [{ signal: "same_action_streak", level: "tiring", value: 30, threshold: 25 }];
    expect(breakMessage(streak)).toBe("Your last 30 decisions were all “approve”. A short break helps accuracy.");
  });
});
