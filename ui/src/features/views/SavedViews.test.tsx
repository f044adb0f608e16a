import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { rows, searchFor, setup } from "../../test/app";

const views = () => within(screen.getByTestId("saved-views")).getAllByTestId("view");
const view = (name: string) => views().find((v) => v.textContent?.startsWith(name))!;

describe("saved views", () => {
  it("lists the builtins by the catalogue's names with live counts, and applies one", async () => {
    const backend = await setup();
    await waitFor(() => expect(views().map((v) => v.querySelector(".view-name")?.textContent)).toEqual(["Everything", "Due in the next hour", "High risk", "Escalations"]));
    const all = (await backend.listAssignments({ kind: null, stage: null, risk: null, status: null, sort: "priority", due_within_minutes: null, offset: 0, limit: 1 })).total;
    expect(view("Everything").querySelector(".count")?.textContent).toBe(String(all));
    const escalations = (await backend.listAssignments({ kind: null, stage: "escalation", risk: null, status: "open", sort: "due", due_within_minutes: null, offset: 0, limit: 1 })).total;
    expect(view("Escalations").querySelector(".count")?.textContent).toBe(String(escalations));
    fireEvent.click(view("Escalations"));
    await waitFor(() => expect(screen.getByTestId("stage-escalation")).toHaveAttribute("aria-pressed", "true"));
    expect(view("Escalations")).toHaveAttribute("aria-pressed", "true");
    await waitFor(() => {
      for (const row of rows()) expect(row.textContent).toContain("Escalation");
    });
    // A decision changes the counts.
    const id = rows()[0]!.getAttribute("data-item-id")!;
    await act(() => backend.decide(id, { action: "release", reason_code: null, note: null, correction: null, attestation: null, pin: null }));
    await waitFor(() => expect(view("Escalations").querySelector(".count")?.textContent).toBe(String(escalations - 1)));
  });

  it("saves the current filters and search as a view, and deletes it", async () => {
    const backend = await setup();
    fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: "transaction" } });
    await searchFor("marlowe");
    fireEvent.click(screen.getByTestId("view-save"));
    fireEvent.change(screen.getByTestId("view-name"), { target: { value: "Marlowe payments" } });
    fireEvent.click(screen.getByTestId("view-save-confirm"));
    await waitFor(() => expect(view("Marlowe payments")).toHaveAttribute("aria-pressed", "true"));
    const saved = (await backend.savedViews()).find((v) => v.view.name === "Marlowe payments")!;
    expect(saved.view.filter).toMatchObject({ kind: "transaction", search: "marlowe" });
    expect(view("Marlowe payments").querySelector(".count")?.textContent).toBe(String(saved.count));
    // A second view of the same name is refused with the backend's reason.
    fireEvent.click(screen.getByTestId("view-save"));
    fireEvent.change(screen.getByTestId("view-name"), { target: { value: "Marlowe payments" } });
    fireEvent.click(screen.getByTestId("view-save-confirm"));
    expect(await screen.findByTestId("views-error")).toBeInTheDocument();
    // Back to everything (any status), then the saved view restores the filters and the search.
    fireEvent.click(view("Everything"));
    await waitFor(() => expect(screen.getByTestId("search-input")).toHaveValue(""));
    expect(screen.getByTestId("filter-status")).toHaveValue("");
    expect(view("Everything")).toHaveAttribute("aria-pressed", "true");
    fireEvent.click(view("Marlowe payments"));
    await waitFor(() => expect(screen.getByTestId("search-input")).toHaveValue("marlowe"));
    expect(screen.getByTestId("filter-kind")).toHaveValue("transaction");
    fireEvent.click(screen.getByRole("button", { name: "Delete view Marlowe payments" }));
    await waitFor(() => expect(views()).toHaveLength(4));
  });
});
