import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { openId, press, rows, searchFor, setup } from "../../test/app";

const openFirstMarlowe = async () => {
  await searchFor('merchant:"bistro marlowe"');
  const first = rows()[0]!;
  fireEvent.click(first);
  await waitFor(() => expect(openId()).toBe(first.getAttribute("data-item-id")));
  return first.getAttribute("data-item-id")!;
};

describe("related cases", () => {
  it("lists the cases sharing a value, with what they share and the outcome of decided ones", async () => {
    const backend = await setup();
    const open = await openFirstMarlowe();
    const expected = await backend.related(open);
    const decidedId = expected.cases[0]!.item_id;
    await act(() => backend.decide(decidedId, { action: "reject", reason_code: "confirmed_fraud", correction: null, note: null, attestation: null, pin: null }));
    const panel = await screen.findByTestId("related-panel");
    await waitFor(() => expect(within(panel).getAllByTestId("related-case")).toHaveLength(expected.cases.length));
    expect(panel.textContent).toContain("Merchant: Bistro Marlowe");
    const decided = within(panel).getAllByTestId("related-case").find((c) => c.getAttribute("data-related-id") === decidedId)!;
    await waitFor(() => expect(within(decided).getByTestId("related-outcome").textContent).toMatch(/^Rejected/));
    expect(within(panel).queryByTestId("related-held-only")).toBeNull();
  });

  it("o opens the first held related case; offline the panel says it lists only what is held here", async () => {
    const backend = await setup();
    const open = await openFirstMarlowe();
    const first = (await backend.related(open)).cases.find((c) => c.held)!;
    await screen.findByTestId("related-panel");
    await waitFor(() => expect(screen.getAllByTestId("related-case").length).toBeGreaterThan(0));
    (document.activeElement as HTMLElement | null)?.blur();
    press("o");
    await waitFor(() => expect(openId()).toBe(first.item_id));
    await act(async () => backend.setOnline(false));
    const other = rows().find((r) => r.getAttribute("data-item-id") !== openId())!;
    fireEvent.click(other);
    await waitFor(() => expect(openId()).toBe(other.getAttribute("data-item-id")));
    expect(await screen.findByTestId("related-held-only")).toBeInTheDocument();
  });
});
