import { describe, expect, it } from "vitest";
import { PageCache } from "./pageCache";

describe("PageCache", () => {
  it("asks only for the pages covering the visible rows", () => {
    const c = new PageCache<number>(100);
    expect(c.missing(0, 30, 100_000)).toEqual([0]);
    expect(c.missing(95, 130, 100_000)).toEqual([0, 1]);
    expect(c.missing(99_950, 100_020, 100_000)).toEqual([999]);
    expect(c.missing(0, 10, 0)).toEqual([]);
  });

  it("does not fetch a page twice while it is in flight or loaded", () => {
    const c = new PageCache<number>(10);
    c.markInflight(0);
    expect(c.missing(0, 15, 100)).toEqual([1]);
    c.set(0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    c.markInflight(1);
    expect(c.missing(0, 15, 100)).toEqual([]);
    c.fail(1);
    expect(c.missing(0, 15, 100)).toEqual([1]);
    expect(c.get(7)).toBe(7);
    expect(c.get(17)).toBeUndefined();
    expect(c.findIndex((r) => r === 4)).toBe(4);
  });

  it("keeps memory bounded when scrolling far", () => {
    const c = new PageCache<number>(10);
    for (let p = 0; p < 100; p++) c.set(p, [p]);
    c.trim(50, 5);
    expect(c.loadedPages).toBe(11);
    expect(c.has(50)).toBe(true);
    expect(c.has(0)).toBe(false);
  });
});
