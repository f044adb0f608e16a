import { describe, expect, it } from "vitest";
import { formatRate } from "./formatRate";

describe("formatRate", () => {
  it("writes a rate with its interval and the number of trials", () => {
    expect(formatRate({ status: "estimated", successes: 94, trials: 120, rate: 0.7833, low: 0.7014, high: 0.8464 })).toBe("78% (70–85%, n=120)");
  });

  it("claims no rate below the trials needed", () => {
    expect(formatRate({ status: "not_enough_data", successes: 4, trials: 12, needed: 30 })).toBe("not enough data (12 of 30)");
  });
});
