import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { BackendError } from "../../lib/backend";
import { GoldSection } from "./GoldSection";

function show(backend: FakeBackend) {
  render(
    <BackendContext.Provider value={backend}>
      <GoldSection />
    </BackendContext.Provider>,
  );
}

describe("gold section", () => {
  it("shows each reviewer's accuracy with its interval, or not enough data, and who is below the minimum", async () => {
    const backend = new FakeBackend({ count: 3, uploadDelayMs: null });
    show(backend);
    const rows = await screen.findAllByTestId("gold-row");
    const ana = rows.find((row) => row.dataset.reviewer === "ana")!;
    expect(ana.dataset.below).toBe("true");
    expect(ana.textContent).toContain("51% (35–67%, n=35)");
    expect(ana.textContent).toContain("18 / 17 / 2");
    const bo = rows.find((row) => row.dataset.reviewer === "bo")!;
    expect(bo.dataset.below).toBe("false");
    expect(bo.textContent).toContain("not enough data (12 of 30)");
    expect(backend.calls.some((c) => c.command === "gold_stats")).toBe(true);
  });

  it("says why when the report cannot be read", async () => {
    const backend = new FakeBackend({ count: 3, uploadDelayMs: null });
    backend.goldStats = () => Promise.reject(new BackendError("not_allowed", "the gold report is for seniors and admins"));
    show(backend);
    expect(await screen.findByTestId("gold-error")).toBeTruthy();
    expect(screen.queryByTestId("gold-table")).toBeNull();
  });
});
