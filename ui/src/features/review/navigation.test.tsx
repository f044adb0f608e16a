import { act, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { FakeBackend } from "../../lib/backend/fake";
import type { InboxPage, InboxQuery } from "../../lib/backend";
import { DEFAULT_FILTERS } from "../inbox/usePagedInbox";
import { openId, press, rowIds, rows, setup } from "../../test/app";

/** Decided elsewhere (a bulk decision, another window): the item leaves the open list. */
const release = { action: "release", reason_code: null, note: null, correction: null, attestation: null, pin: null } as const;
const announced = () => screen.getByTestId("announcer").textContent;

describe("j/k move exactly one row from the open row", () => {
  it("after the open item left the list, k opens the row that was above it and j the row that took its place", async () => {
    const backend = await setup();
    const ids = rowIds();
    press("j");
    press("j");
    press("j");
    await waitFor(() => expect(openId()).toBe(ids[3]));
    await act(() => backend.decide(ids[3]!, release));
    await waitFor(() => expect(rowIds()).not.toContain(ids[3]));
    press("k");
    await waitFor(() => expect(openId()).toBe(ids[2]));

    press("j");
    await waitFor(() => expect(openId()).toBe(ids[4]));
    await act(() => backend.decide(ids[4]!, release));
    await waitFor(() => expect(rowIds()).not.toContain(ids[4]));
    press("j");
    await waitFor(() => expect(openId()).toBe(ids[5]));
  });

  it("k right after a decision skips the decided row the list still shows", async () => {
    const backend = await setup({ latencyMs: 30 });
    const ids = rowIds();
    const txn = rows().findIndex((r, i) => i > 0 && r.getAttribute("data-kind") === "transaction");
    for (let i = 0; i < txn; i++) press("j");
    await waitFor(() => expect(openId()).toBe(ids[txn]));
    await waitFor(() => expect(backend.calls.some((c) => c.command === "get_assignment" && c.args[0] === ids[txn - 1])).toBe(true));
    press("a");
    expect(openId()).toBe(ids[txn + 1]);
    // The inbox has not refreshed yet: the decided row is still listed above the open one.
    expect(rowIds()).toContain(ids[txn]);
    press("k");
    expect(openId()).toBe(ids[txn - 1]);
  });

  it("a key pressed while the previous move still fetches its row moves on from that row", async () => {
    const backend = new FakeBackend({ count: 250, uploadDelayMs: null });
    const list = backend.listAssignments.bind(backend);
    const held: (() => void)[] = [];
    let hold = false;
    backend.listAssignments = (query: InboxQuery): Promise<InboxPage> =>
      hold && query.offset === 100 ? new Promise((resolve) => held.push(() => resolve(list(query)))) : list(query);
    render(<App backend={backend} />);
    await screen.findByRole("article");
    const ids = (await list({ ...DEFAULT_FILTERS, offset: 0, limit: 250 })).rows.map((r) => r.item_id);
    hold = true;
    for (let i = 0; i < 99; i++) press("j");
    await waitFor(() => expect(openId()).toBe(ids[99]));
    press("j");
    press("j");
    await waitFor(() => expect(held.length).toBeGreaterThan(0));
    hold = false;
    await act(async () => {
      for (const release of held) release();
    });
    await waitFor(() => expect(openId()).toBe(ids[101]));
  });

  it("at the first row, k says so", async () => {
    await setup();
    const first = openId();
    press("k");
    expect(openId()).toBe(first);
    await waitFor(() => expect(announced()).toMatch(/first item/));
  });
});
