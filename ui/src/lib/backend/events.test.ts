import { describe, expect, it, vi } from "vitest";
import { FakeBackend } from "./fake";
import { subscribe } from "./events";

/** Lets the backend's listener registrations (promises) settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("subscribe", () => {
  it("listens once per event for every handler, until the last one stops", async () => {
    const fake = new FakeBackend({ count: 5, uploadDelayMs: null });
    const listen = vi.spyOn(fake, "onInboxChanged");
    const heard: string[] = [];
    const stopA = subscribe(fake, "inbox", () => heard.push("a"));
    subscribe(fake, "inbox", () => heard.push("b"));
    await settle();
    expect(listen).toHaveBeenCalledTimes(1);

    fake.emitInbox();
    expect(heard).toEqual(["a", "b"]);
    stopA();
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
    const stop = subscribe(fake, "inbox", () => heard.push("early"));
    stop();
    await settle();
    fake.emitInbox();
    expect(heard).toEqual([]);

    // The next handler asks the backend to listen again.
    const listen = vi.spyOn(fake, "onInboxChanged");
    subscribe(fake, "inbox", () => heard.push("late"));
    await settle();
    fake.emitInbox();
    expect(heard).toEqual(["late"]);
    expect(listen).toHaveBeenCalledTimes(1);
  });

  it("asks again after a backend that could not listen", async () => {
    const fake = new FakeBackend({ count: 5, uploadDelayMs: null });
    const listen = vi.spyOn(fake, "onStatusChanged").mockRejectedValueOnce(new Error("no event channel"));
    subscribe(fake, "status", () => undefined);
    await settle();
    const heard: unknown[] = [];
    subscribe(fake, "status", (status) => heard.push(status));
    await settle();
    expect(listen).toHaveBeenCalledTimes(2);
    await fake.syncNow();
    expect(heard.length).toBeGreaterThan(0);
  });
});
