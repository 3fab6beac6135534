// Walking a paged Synapse list, once for every list: the page size, the caller's limit, progress,
// and the guards that stop a server which keeps sending "there is more" from looping us forever.
export interface PageOf<T, C> {
  items: readonly T[];
  /** How many items the server says match (on this page: it may change during the walk). */
  total: number;
  /** The cursor of the next page; undefined on the last page. */
  next: C | undefined;
}

export interface Walk {
  /** At most this many items in all. */
  limit?: number | undefined;
  pageSize?: number | undefined;
  progress?: ((line: string) => void) | undefined;
}

/** Every item of a walk, and why it ended early when the server misbehaved. */
export interface Listing<T> {
  items: T[];
  total: number;
  /** Set when the walk was stopped by a guard (the server kept sending pages it should not have). */
  stopped?: string;
}

export interface WalkEnd {
  total: number;
  stopped?: string;
}

/**
 * Yields each page's items until the last page or the limit. Stops, saying why, on an empty page
 * that still names a next page, on a cursor seen before, or once more items came than the server
 * says there are.
 */
export async function* paginate<T, C>(
  fetchPage: (from: C | undefined, limit: number) => Promise<PageOf<T, C>>,
  o: Walk & { label: string; pageSize: number },
): AsyncGenerator<readonly T[], WalkEnd> {
  const seen = new Set<C>();
  let got = 0;
  let total = 0;
  let from: C | undefined;
  for (;;) {
    const want = o.limit === undefined ? o.pageSize : Math.min(o.pageSize, o.limit - got);
    if (want <= 0) return { total };
    const page = await fetchPage(from, want);
    got += page.items.length;
    total = page.total;
    yield page.items;
    if (page.next === undefined || (o.limit !== undefined && got >= o.limit)) return { total };
    const stopped = guard(page, got, seen);
    if (stopped !== undefined) return { total, stopped: `${o.label}: ${stopped}; stopped after ${got}.` };
    seen.add(page.next);
    from = page.next;
    o.progress?.(`${o.label}: ${got} of ${total}`);
  }
}

function guard<T, C>(page: PageOf<T, C> & { next: C }, got: number, seen: ReadonlySet<C>): string | undefined {
  if (page.items.length === 0) return 'Synapse sent an empty page that names a next one';
  if (seen.has(page.next)) return `Synapse named the page ${String(page.next)} a second time`;
  if (got >= page.total) return `Synapse sent ${got} of the ${page.total} items it counts and still names a next page`;
  return undefined;
}

/** Collects a walk into one list. */
export async function collect<T>(walk: AsyncGenerator<readonly T[], WalkEnd>): Promise<Listing<T>> {
  const items: T[] = [];
  for (;;) {
    const r = await walk.next();
    if (r.done === true)
      return { items, total: r.value.total, ...(r.value.stopped === undefined ? {} : { stopped: r.value.stopped }) };
    items.push(...r.value);
  }
}
