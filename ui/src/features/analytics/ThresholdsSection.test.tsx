import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import type { Me } from "../../lib/backend";
import { ThresholdsSection } from "./ThresholdsSection";

function renderFor(signedInAs?: Me) {
  const backend = new FakeBackend({ count: 0, uploadDelayMs: null, signedInAs });
  render(
    <BackendContext.Provider value={backend}>
      <ThresholdsSection />
    </BackendContext.Provider>,
  );
  return backend;
}

describe("threshold report", () => {
  it("shows a senior each kind's recommended threshold with its interval, and says when there is not enough data", async () => {
    const backend = renderFor();
    const rows = await screen.findAllByTestId("threshold-row");
    expect(backend.calls.some((c) => c.command === "thresholds_report")).toBe(true);
    const fraud = rows.find((row) => row.textContent?.includes("Transaction"))!;
    expect(within(fraud).getByText("confidence ≥ 0.90")).toBeTruthy();
    expect(fraud.textContent).toMatch(/0\.4% \(0\.\d–\d\.\d%, n=240\)/);
    const drafts = rows.find((row) => row.textContent?.includes("Content draft"))!;
    expect(drafts.textContent).toContain("none qualifies yet");
    expect(drafts.textContent).toContain("not enough data (12 of 30)");
    expect(screen.getByTestId("thresholds-shadow").textContent).toContain("fraud-auto-above-0.9");
  });

  it("tells a reviewer the report is not theirs", async () => {
    renderFor({ name: "ana", role: "reviewer", teams: ["fraud"], full_name: null });
    expect((await screen.findByRole("alert")).textContent).toContain("statistics are for seniors and admins");
    expect(screen.queryByTestId("threshold-row")).toBeNull();
  });
});
