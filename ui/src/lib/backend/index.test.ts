import { afterEach, describe, expect, it } from "vitest";
import { createBackend } from ".";
import { FakeBackend } from "./fake";

describe("createBackend", () => {
  afterEach(() => window.history.replaceState({}, "", "/"));

  it("loads the fake in development outside the shell, shaped by the URL", async () => {
    window.history.replaceState({}, "", "/?items=30&offline");
    const backend = await createBackend();
    expect(backend).toBeInstanceOf(FakeBackend);
    expect((await backend.appStatus()).online).toBe(false);
    const page = await backend.listAssignments({ kind: null, stage: null, risk: null, status: null, sort: "priority", due_within_minutes: null, offset: 0, limit: 100 });
    expect(page.total).toBe(30);
    (backend as FakeBackend).dispose();
  });

  it("signs the fake in as an admin with ?admin", async () => {
    window.history.replaceState({}, "", "/?admin");
    const backend = await createBackend();
    expect((await backend.appStatus()).signed_in_as?.role).toBe("admin");
    expect((await backend.adminDirectory()).users.length).toBeGreaterThan(0);
    (backend as FakeBackend).dispose();
  });
});
