import { describe, expect, it } from "vitest";
import { inChunks } from "./chunks";

describe("inChunks", () => {
  it("runs every item once, in order, a chunk at a time, reporting progress", async () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const seen: number[][] = [];
    const progress: number[] = [];
    const results = await inChunks(items, async (chunk) => (seen.push(chunk), chunk.length), (done) => progress.push(done));
    expect(seen.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(seen.flat()).toEqual(items);
    expect(progress).toEqual([100, 200, 250]);
    expect(results).toEqual([100, 100, 50]);
  });

  it("stops at the first failing chunk", async () => {
    const progress: number[] = [];
    const run = inChunks([1, 2, 3], async (chunk) => {
      if (chunk[0] === 2) throw new Error("refused");
      return chunk;
    }, (done) => progress.push(done), 1);
    await expect(run).rejects.toThrow("refused");
    expect(progress).toEqual([1]);
  });
});
