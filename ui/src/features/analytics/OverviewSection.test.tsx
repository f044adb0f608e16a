import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeBackend } from "../../lib/backend/fake";
import { BackendContext } from "../../lib/backend/context";
import type { Me } from "../../lib/backend";
import { OverviewSection } from "./OverviewSection";

const REVIEWER: Me = { name: "ana", role: "reviewer", teams: ["fraud"], full_name: null };

function show(backend: FakeBackend) {
  render(
    <BackendContext.Provider value={backend}>
      <OverviewSection />
    </BackendContext.Provider>,
  );
}

describe("overview section", () => {
  it("shows every rate with its interval, and says so when there is not enough data", async () => {
    const backend = new FakeBackend({ count: 0, uploadDelayMs: null, now: () => Date.parse("2026-11-30T10:00:00Z") });
    show(backend);
    const sla = await screen.findByTestId("sla-bars");
    const editorial = within(sla)
      .getAllByTestId("interval-row")
      .find((row) => row.dataset.key === "editorial")!;
    expect(within(editorial).getByTestId("interval-value").textContent).toBe("not enough data (22 of 30)");
    const fraud = within(sla)
      .getAllByTestId("interval-row")
      .find((row) => row.dataset.key === "fraud")!;
    expect(within(fraud).getByTestId("interval-value").textContent).toMatch(/^88% \(\d+–\d+%, n=262\)$/);
    expect(within(screen.getByTestId("overrides-by-band")).getAllByTestId("interval-row")).toHaveLength(5);
    expect(within(screen.getByTestId("overrides-by-model")).getByText("no model named")).toBeInTheDocument();
    const calibration = within(screen.getByTestId("calibration-table")).getAllByTestId("calibration-row");
    expect(calibration[0]?.textContent).toContain("not enough data (24 of 30)");
    expect(screen.getAllByTestId("health-row")).toHaveLength(3);
    expect(screen.getByTestId("throughput-chart")).toHaveAttribute("role", "img");
    expect(backend.calls.filter((c) => c.command === "stats_overview")).toHaveLength(1);
  });

  it("is refused to a reviewer, in plain words", async () => {
    show(new FakeBackend({ count: 0, uploadDelayMs: null, signedInAs: REVIEWER }));
    expect((await screen.findByTestId("analytics-error")).textContent).toContain("The analytics are for seniors and admins.");
  });
});
