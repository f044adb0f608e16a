import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { HOSTILE_ITEM_ID } from "../../lib/backend/fake";
import { press, rows, searchFor, setup } from "../../test/app";

const box = () => screen.getByTestId("search-input") as HTMLInputElement;
const type = (text: string) => {
  fireEvent.change(box(), { target: { value: text } });
  fireEvent.keyDown(box(), { key: "Enter" });
};

describe("search", () => {
  it("/ focuses the box; results replace the list, ranked, with the matched words marked", async () => {
    const backend = await setup();
    const total = screen.getByTestId("inbox-total").textContent;
    press("/");
    expect(document.activeElement).toBe(box());
    await searchFor("marlowe");
    const expected = await backend.search("marlowe", { kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100 });
    expect(rows().map((r) => r.getAttribute("data-item-id"))).toEqual(expected.hits.map((h) => h.summary.item_id));
    for (const row of rows()) {
      const marks = within(row).getAllByText((_, el) => el?.tagName === "MARK");
      expect(marks.map((m) => m.textContent?.toLowerCase())).toContain("marlowe");
    }
    // Esc clears the search: the inbox is back.
    fireEvent.keyDown(box(), { key: "Escape" });
    await waitFor(() => expect(screen.getByTestId("inbox-total").textContent).toBe(total));
    expect(box().value).toBe("");
  });

  it("keeps the inbox filters, and takes field filters", async () => {
    await setup();
    fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: "content_draft" } });
    type("marlowe");
    await waitFor(() => expect(screen.getByTestId("inbox-empty")).toBeInTheDocument());
    fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: "transaction" } });
    await searchFor('merchant:"bistro marlowe"');
    expect(rows().length).toBeGreaterThan(0);
    for (const row of rows()) expect(row.getAttribute("data-kind")).toBe("transaction");
  });

  it("says what is wrong with a malformed search under the box, and lists nothing", async () => {
    await setup();
    type('"unclosed');
    const error = await screen.findByTestId("search-error");
    expect(error.textContent).toMatch(/quote is not closed/);
    expect(box()).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryAllByTestId("inbox-row")).toHaveLength(0);
    await searchFor("marlowe");
    expect(screen.queryByTestId("search-error")).toBeNull();
    expect(rows().length).toBeGreaterThan(0);
  });

  it("shows hostile titles as text, never as markup", async () => {
    await setup({ hostile: true });
    await searchFor("script");
    const row = await waitFor(() => {
      const found = rows().find((r) => r.getAttribute("data-item-id") === HOSTILE_ITEM_ID);
      if (!found) throw new Error("no hostile row yet");
      return found;
    });
    expect(row.querySelector("script, img")).toBeNull();
    expect(row.textContent).toContain("<script>");
  });
});
