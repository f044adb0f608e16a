import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "./fake";
import { subscribe } from "./events";

describe("subscribe", () => {
  it("listens once per event for every handler, until the last one stops", async () => {
    const fake = new FakeBackend({ count: 5, uploadDelayMs: null });
    const listen = vi.spyOn(fake, "onInboxChanged");
    const heard: string[] = [];
    const a = subscribe(fake, "inbox", () => heard.push("a"));
    const b = subscribe(fake, "inbox", () => heard.push("b"));
    expect(await a.ready).toBe(true);
    expect(await b.ready).toBe(true);
    expect(listen).toHaveBeenCalledTimes(1);

    fake.emitInbox();
    expect(heard).toEqual(["a", "b"]);
    a.stop();
    fake.emitInbox();
    expect(heard).toEqual(["a", "b", "b"]);

    // A handler joining a listening channel hears the next event with no round trip.
    subscribe(fake, "inbox", () => heard.push("c"));
    fake.emitInbox();
    expect(heard).toEqual(["a", "b", "b", "b", "c"]);
    expect(listen).toHaveBeenCalledTimes(1);
  });

  it("undoes the backend's listener after the last handler stops, even before it was listening", async () => {
    const fake = new FakeBackend({ count: 5, uploadDelayMs: null });
    const heard: string[] = [];
    const early = subscribe(fake, "inbox", () => heard.push("early"));
    early.stop();
    await early.ready;
    await Promise.resolve();
    fake.emitInbox();
    expect(heard).toEqual([]);

    // The next handler asks the backend to listen again.
    const listen = vi.spyOn(fake, "onInboxChanged");
    const late = subscribe(fake, "inbox", () => heard.push("late"));
    await late.ready;
    fake.emitInbox();
    expect(heard).toEqual(["late"]);
    expect(listen).toHaveBeenCalledTimes(1);
  });

  it("asks again after a backend that could not listen", async () => {
    const fake = new FakeBackend({ count: 5, uploadDelayMs: null });
    vi.spyOn(fake, "onStatusChanged").mockRejectedValueOnce(new Error("no event channel"));
    const failed = subscribe(fake, "status", () => undefined);
    expect(await failed.ready).toBe(false);
    const heard: unknown[] = [];
    const again = subscribe(fake, "status", (status) => heard.push(status));
    expect(await again.ready).toBe(true);
    await fake.syncNow();
    expect(heard.length).toBeGreaterThan(0);
  });
});
