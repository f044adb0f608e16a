/** How many items one `decideMany` call carries: large selections advance a progress bar per chunk. */
export const BULK_CHUNK = 100;

/** Runs `step` over `items` a chunk at a time, in order, reporting how many are done after each chunk. */
export async function inChunks<T, R>(items: readonly T[], step: (chunk: T[]) => Promise<R>, onProgress: (done: number) => void, size = BULK_CHUNK): Promise<R[]> {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += size) {
    const chunk = items.slice(at, at + size);
    results.push(await step(chunk));
    onProgress(Math.min(items.length, at + size));
  }
  return results;
}
