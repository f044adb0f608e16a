import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { BlindSection } from "./BlindSection";

describe("the blind-read section", () => {
  it("shows each rate with its interval, or not enough data", async () => {
    const backend = new FakeBackend({ count: 0, uploadDelayMs: null });
    vi.spyOn(backend, "blindReport").mockResolvedValue({
      rows: [
        {
          reviewer: "nia",
          kind: "clinical_suggestion",
          model: null,
          judgements: 120,
          escalated: 3,
          agreement: { status: "estimated", successes: 94, trials: 120, rate: 0.78, low: 0.71, high: 0.84 },
          switch_to_ai: { status: "not_enough_data", successes: 4, trials: 12, needed: 30 },
          switch_from_ai: { status: "not_enough_data", successes: 0, trials: 2, needed: 30 },
        },
      ],
    });
    render(
      <BackendContext.Provider value={backend}>
        <BlindSection />
      </BackendContext.Provider>,
    );
    const row = await screen.findByTestId("blind-row");
    expect(row).toHaveTextContent("nia");
    expect(row).toHaveTextContent("78% (71–84%, n=120)");
    expect(row).toHaveTextContent("not enough data (12 of 30)");
  });
});
