import { describe, expect, it } from "vitest";
import { relativePointer, resolvePointer, withPointer, withoutPointers } from "./pointer";

const item = { payload: { "a/b": { "m~n": 1 }, list: [10, 20], customer: { id: "C-1", name: "Ana" } } };

describe("JSON Pointers (RFC 6901)", () => {
  it("resolves escaped tokens and array indexes, and nothing for what is not there", () => {
    expect(resolvePointer(item, "/payload/a~1b/m~0n")).toBe(1);
    expect(resolvePointer(item, "/payload/list/1")).toBe(20);
    expect(resolvePointer(item, "/payload/list/01")).toBeUndefined();
    expect(resolvePointer(item, "/payload/missing/x")).toBeUndefined();
    expect(resolvePointer(item, "payload")).toBeUndefined();
    expect(resolvePointer(item, "")).toBe(item);
  });

  it("replaces a value in a copy and leaves the original alone", () => {
    const next = withPointer(item, "/payload/customer/name", "Bea");
    expect(resolvePointer(next, "/payload/customer/name")).toBe("Bea");
    expect(item.payload.customer.name).toBe("Ana");
    expect(withPointer([1, 2], "/1", 3)).toEqual([1, 3]);
  });

  it("removes the placed values and keeps the rest", () => {
    expect(withoutPointers(item.payload, ["/customer/name", "/a~1b", "/nothing"])).toEqual({ list: [10, 20], customer: { id: "C-1" } });
    expect(relativePointer("/ai/output/reply", "/ai/output")).toBe("/reply");
    expect(relativePointer("/payload/reply", "/ai/output")).toBeNull();
  });
});
