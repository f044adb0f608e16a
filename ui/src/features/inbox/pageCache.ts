/** Rows of a long list held as fixed-size pages fetched on demand; never the whole list. */
export class PageCache<Row> {
  readonly pageSize: number;
  private readonly pages = new Map<number, Row[]>();
  private readonly inflight = new Set<number>();

  constructor(pageSize = 100) {
    this.pageSize = pageSize;
  }

  /** The pages covering rows [start, end] (inclusive), clamped to `total`. */
  pagesFor(start: number, end: number, total: number): number[] {
    if (total <= 0 || end < start) return [];
    const first = Math.max(0, Math.floor(Math.max(0, start) / this.pageSize));
    const last = Math.floor(Math.min(end, total - 1) / this.pageSize);
    const out: number[] = [];
    for (let p = first; p <= last; p++) out.push(p);
    return out;
  }

  /** Pages needed for [start, end] that are neither loaded nor being fetched. */
  missing(start: number, end: number, total: number): number[] {
    return this.pagesFor(start, end, total).filter((p) => !this.pages.has(p) && !this.inflight.has(p));
  }

  markInflight(page: number) {
    this.inflight.add(page);
  }

  set(page: number, rows: Row[]) {
    this.inflight.delete(page);
    this.pages.set(page, rows);
  }

  fail(page: number) {
    this.inflight.delete(page);
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  get(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** The index of the first loaded row matching `pred`, or -1. */
  findIndex(pred: (row: Row) => boolean): number {
    for (const [page, rows] of this.pages) {
      const i = rows.findIndex(pred);
      if (i >= 0) return page * this.pageSize + i;
    }
    return -1;
  }

  /** Every loaded row, page by page. */
  loadedRows(): Row[] {
    return [...this.pages.values()].flat();
  }

  get loadedPages(): number {
    return this.pages.size;
  }

  /** Keeps only the pages nearest `page`, so memory stays bounded while scrolling far. */
  trim(aroundPage: number, keep: number) {
    for (const p of [...this.pages.keys()]) if (Math.abs(p - aroundPage) > keep) this.pages.delete(p);
  }
}
