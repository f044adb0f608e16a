import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "./fake";
import { withStartupAnswers } from "./startup";
import type { InboxPage, InboxQuery } from "./types";

const firstPage: InboxQuery = { kind: null, stage: null, risk: null, status: "open", sort: "priority", due_within_minutes: null, offset: 0, limit: 100 };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const commands = (fake: FakeBackend) => fake.calls.map((c) => c.command);
const idAt = (page: InboxPage, index: number) => {
  const row = page.rows[index];
  if (!row) throw new Error(`no row ${index}`);
  return row.item_id;
};

describe("withStartupAnswers", () => {
  it("asks for the status, the first page and its first item at once, and hands each to the first call asking for it", async () => {
    const fake = new FakeBackend({ count: 30, uploadDelayMs: null });
    const backend = withStartupAnswers(fake, firstPage);
    await settle();
    expect(commands(fake)).toEqual(["app_status", "list_assignments", "get_assignment"]);

    const status = await backend.appStatus();
    const page = await backend.listAssignments({ ...firstPage });
    const view = await backend.getAssignment(idAt(page, 0));
    expect(commands(fake)).toEqual(["app_status", "list_assignments", "get_assignment"]);
    expect(status).toEqual(await fake.appStatus());
    expect(page).toEqual(await fake.listAssignments(firstPage));
    expect(view.item.id).toBe(idAt(page, 0));

    // Once only: the next calls are the backend's.
    fake.calls.length = 0;
    await backend.appStatus();
    await backend.listAssignments(firstPage);
    await backend.getAssignment(idAt(page, 0));
    expect(commands(fake)).toEqual(["app_status", "list_assignments", "get_assignment"]);
  });

  it("asks the backend afresh after a change, for another query or item, and when the answer failed", async () => {
    const fake = new FakeBackend({ count: 30, uploadDelayMs: null });
    const backend = withStartupAnswers(fake, firstPage);
    await settle();
    const before = await fake.listAssignments(firstPage);
    fake.arrive(2); // a sync pulled two items: the inbox event
    fake.calls.length = 0;
    const page = await backend.listAssignments(firstPage);
    expect(commands(fake)).toEqual(["list_assignments"]);
    expect(page.total).toBe(before.total + 2);
    await backend.getAssignment(idAt(before, 0));
    expect(commands(fake)).toEqual(["list_assignments", "get_assignment"]);

    const other = withStartupAnswers(fake, firstPage);
    await settle();
    fake.calls.length = 0;
    await other.listAssignments({ ...firstPage, sort: "due" });
    await other.getAssignment(idAt(page, 5));
    expect(commands(fake)).toEqual(["list_assignments", "get_assignment"]);

    const failing = new FakeBackend({ count: 30, uploadDelayMs: null });
    vi.spyOn(failing, "appStatus").mockRejectedValueOnce(new Error("the session is still opening"));
    const third = withStartupAnswers(failing, firstPage);
    await settle();
    expect((await third.appStatus()).signed_in_as).not.toBeNull();
    expect(failing.appStatus).toHaveBeenCalledTimes(2);
  });

  it("hands nothing over when the backend cannot tell it of changes", async () => {
    const fake = new FakeBackend({ count: 30, uploadDelayMs: null });
    vi.spyOn(fake, "onInboxChanged").mockRejectedValueOnce(new Error("no event channel"));
    const backend = withStartupAnswers(fake, firstPage);
    await settle();
    fake.calls.length = 0;
    await backend.appStatus();
    await backend.listAssignments(firstPage);
    expect(commands(fake)).toEqual(["app_status", "list_assignments"]);
  });

  it("passes every other call through to the backend", async () => {
    const fake = new FakeBackend({ count: 30, uploadDelayMs: null });
    const backend = withStartupAnswers(fake, firstPage);
    await settle();
    fake.calls.length = 0;
    expect(await backend.listConflicts()).toEqual(await fake.listConflicts());
    expect(commands(fake)).toEqual(["list_conflicts", "list_conflicts"]);
  });
});
