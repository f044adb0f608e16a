import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BackendContext } from "../../lib/backend/context";
import { FakeBackend } from "../../lib/backend/fake";
import { FatigueSection } from "./FatigueSection";

const NOW = Date.parse("2026-11-30T10:30:00Z");

function show(role: "senior" | "reviewer") {
  const backend = new FakeBackend({ count: 1, now: () => NOW, signedInAs: { name: "sara", role, teams: ["fraud"], full_name: null } });
  render(
    <BackendContext.Provider value={backend}>
      <FatigueSection />
    </BackendContext.Provider>,
  );
  return backend;
}

describe("FatigueSection", () => {
  it("lists each reviewer's verdict with the signals behind it and honest rates", async () => {
    show("senior");
    const rows = await screen.findAllByTestId("fatigue-row");
    expect(rows.map((row) => row.dataset.name)).toEqual(["ana", "ben", "cleo"]);
    const [ana, ben, cleo] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(ana).getByText("Fatigued")).toBeTruthy();
    expect(ana.textContent).toContain("your last 20 decisions took 38% of your usual time");
    expect(ana.textContent).toContain("13% (7–21%, n=96)");
    expect(ben.textContent).toContain("not enough data (18 of 30)");
    expect(cleo.textContent).toContain("Not in a session");
  });

  it("says why when the caller may not read it", async () => {
    show("reviewer");
    expect((await screen.findByRole("alert")).textContent).toBe("Only seniors and admins may read the fatigue report.");
  });
});
