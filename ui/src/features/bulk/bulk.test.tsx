import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { FakeBackend } from "../../lib/backend/fake";
import { openId, press, rowIds, rows, searchFor, setup } from "../../test/app";

const count = () => screen.getByTestId("bulk-count").textContent;
const picked = () => rows().filter((r) => r.getAttribute("aria-checked") === "true").map((r) => r.getAttribute("data-item-id"));
const selectAll = async (n: string) => {
  fireEvent.click(screen.getByTestId("select-all"));
  await waitFor(() => expect(count()).toBe(`${n} items selected`));
};
const decideCalls = (backend: FakeBackend) => backend.calls.filter((c) => c.command === "decide_many").map((c) => c.args[0] as string[]);

describe("bulk decisions", () => {
  it("x toggles the open row, Shift+J and Shift+K extend the selection", async () => {
    await setup();
    const ids = rowIds();
    expect(screen.queryByTestId("bulk-bar")).toBeNull();
    press("J", { shiftKey: true });
    await waitFor(() => expect(openId()).toBe(ids[1]));
    press("J", { shiftKey: true });
    await waitFor(() => expect(openId()).toBe(ids[2]));
    expect(picked()).toEqual(ids.slice(0, 3));
    expect(count()).toBe("3 items selected");
    press("x");
    expect(picked()).toEqual(ids.slice(0, 2));
    press("K", { shiftKey: true });
    await waitFor(() => expect(openId()).toBe(ids[1]));
    expect(picked()).toEqual(ids.slice(0, 3));
    fireEvent.click(screen.getByTestId("bulk-clear"));
    expect(screen.queryByTestId("bulk-bar")).toBeNull();
  });

  it("rejects a search's results with one reason, each its own decision, and undoes them all", async () => {
    const backend = await setup();
    await searchFor('merchant:"bistro marlowe"');
    const found = rowIds();
    await selectAll(String(found.length));
    fireEvent.click(screen.getByTestId("bulk-reject"));
    // No reason yet: nothing is decided.
    expect(await screen.findByTestId("bulk-error")).toBeInTheDocument();
    const reasons = within(screen.getByTestId("bulk-reason")).getAllByRole("option").map((o) => o.getAttribute("value"));
    expect(reasons).toContain("false_positive");
    fireEvent.change(screen.getByTestId("bulk-reason"), { target: { value: "false_positive" } });
    fireEvent.click(screen.getByTestId("bulk-reject"));
    await screen.findByTestId("bulk-confirm");
    expect(screen.queryByTestId("bulk-skipped")).toBeNull();
    fireEvent.click(screen.getByTestId("bulk-confirm"));
    await waitFor(() => expect(screen.getByTestId("bulk-bar")).toHaveAttribute("data-step", "done"));
    expect(decideCalls(backend).flat().sort()).toEqual([...found].sort());
    for (const id of found) expect((await backend.getAssignment(id!)).decision?.reason_code).toBe("false_positive");
    // Each is undoable on its own (u undoes the last) and all at once while none is uploaded.
    fireEvent.click(screen.getByTestId("bulk-undo-all"));
    await waitFor(() => expect(screen.queryByTestId("bulk-bar")).toBeNull());
    for (const id of found) expect((await backend.getAssignment(id!)).summary.status).toBe("open");
    expect(backend.calls.filter((c) => c.command === "undo_decision")).toHaveLength(found.length);
  });

  it("shows the items it leaves out, with their reason, before acting", async () => {
    const backend = await setup();
    fireEvent.change(screen.getByTestId("filter-kind"), { target: { value: "clinical_suggestion" } });
    fireEvent.click(screen.getByTestId("stage-review"));
    await waitFor(() => expect(rows().every((r) => r.getAttribute("data-kind") === "clinical_suggestion" && !r.textContent?.includes("Second approval"))).toBe(true));
    fireEvent.click(rows()[0]!);
    await waitFor(() => expect(openId()).toBe(rowIds()[0]));
    press("J", { shiftKey: true });
    await waitFor(() => expect(count()).toBe("2 items selected"));
    fireEvent.click(screen.getByTestId("bulk-approve"));
    const skips = await screen.findAllByTestId("bulk-skip");
    expect(skips.map((s) => s.getAttribute("data-reason"))).toEqual(["sign_off", "sign_off"]);
    expect(skips[0]!.textContent).toMatch(/sign-off/);
    expect(screen.getByTestId("bulk-confirm")).toBeDisabled();
    fireEvent.click(screen.getByTestId("bulk-back"));
    fireEvent.click(screen.getByTestId("bulk-escalate"));
    fireEvent.click(await screen.findByTestId("bulk-confirm"));
    await waitFor(() => expect(screen.getByTestId("bulk-bar")).toHaveAttribute("data-step", "done"));
    expect(decideCalls(backend)).toHaveLength(1);
  });

  it("decides a large selection in chunks of 100, with progress", async () => {
    const backend = await setup({ count: 250, latencyMs: 5 });
    await searchFor("-nothingmatchesthis");
    const total = Number(screen.getByTestId("inbox-total").textContent!.replace(/\D/g, ""));
    await selectAll(String(total));
    const all = await backend.search("-nothingmatchesthis", { kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 1000 });
    expect(all.total).toBe(total);
    const eligible = total - (await backend.bulkEligibility(all.hits.map((h) => h.summary.item_id), "escalate")).length;
    fireEvent.click(screen.getByTestId("bulk-escalate"));
    fireEvent.click(await screen.findByTestId("bulk-confirm"));
    await screen.findByTestId("bulk-progress");
    await waitFor(() => expect(screen.getByTestId("bulk-bar")).toHaveAttribute("data-step", "done"));
    expect(eligible).toBeGreaterThan(200);
    expect(decideCalls(backend).map((c) => c.length)).toEqual([100, 100, eligible - 200]);
  });

  it("selects 10,000 results and still renders only the visible rows", async () => {
    await setup({ count: 10_000 });
    await searchFor("-nothingmatchesthis");
    const total = screen.getByTestId("inbox-total").textContent!.replace(/ results?$/, "");
    await selectAll(total);
    expect(rows().length).toBeLessThan(100);
    for (const row of rows()) expect(row).toHaveAttribute("aria-checked", "true");
    press("x");
    await act(async () => {});
    expect(count()).toMatch(/items selected$/);
    expect(count()).not.toBe(`${total} items selected`);
  });
});
