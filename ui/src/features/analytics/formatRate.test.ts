import { describe, expect, it } from "vitest";
import { formatBand, formatRate } from "./formatRate";

describe("formatRate", () => {
  it("writes a rate with its interval and the number of trials", () => {
    expect(formatRate({ status: "estimated", successes: 94, trials: 120, rate: 0.7833, low: 0.7014, high: 0.8464 })).toBe("78% (70–85%, n=120)");
  });

  it("claims no rate below the trials needed", () => {
    expect(formatRate({ status: "not_enough_data", successes: 4, trials: 12, needed: 30 })).toBe("not enough data (12 of 30)");
  });

  it("writes small rates with decimals when asked", () => {
    expect(formatRate({ status: "estimated", successes: 3, trials: 100, rate: 0.03, low: 0.0103, high: 0.0843 }, 1)).toBe("3.0% (1.0–8.4%, n=100)");
  });
});

describe("formatBand", () => {
  it("writes a confidence band as the range it covers, the top one ending at 100%", () => {
    expect(formatBand(0.8)).toBe("80–90%");
    expect(formatBand(0.5)).toBe("50–60%");
    expect(formatBand(0.9)).toBe("90–100%");
  });
});
