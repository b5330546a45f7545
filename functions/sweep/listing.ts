// One listing of a bulk pass (a region's or a VPC's instances, a region's templates, the account's
// profiles): pages fetched one after another, each owned resource decided at once when no request is
// needed, else queued in its lane. It remembers, per page, whether everything on it was decided, so an
// unfinished run can say where to continue; fully decided pages are forgotten at once.
import type { Lane } from './lanes.ts';
import { type Decided, listingFailed, type Pass, record, submit, type Work } from './pass.ts';
import type { ListingState } from './summary.ts';

/** A page of a listing, whatever the API's paging looks like (VPC `start`, IAM `pagetoken`). */
interface Page<T> {
  items: readonly T[];
  /** Token of the next page; undefined on the last. */
  next: string | undefined;
  total?: number;
}

interface ListingSpec<T> {
  state: ListingState;
  lane: Lane;
  /** Page token to start from (null = the first page). */
  from: string | null;
  /** What is listed, for the failure record (`instances`, `instance templates`, …). */
  what: string;
  region?: string;
  fetch(token: string | null): Promise<Page<T>>;
  /** Is the item this shard's to decide? */
  owns(item: T): boolean;
  /** The share of `total_count` this shard expects to own (1, or 1/n when items are hashed). */
  share: number;
  /** The decision when it needs no request, else the work for the lanes. */
  handle(item: T): Decided | Work;
  onIncomplete(resumeFrom: string | null): void;
}

/** The paging token in a `next` link (absolute or relative); undefined on the last page. */
const startOf = (href: string | undefined, key: string): string | undefined => {
  if (!href) return undefined;
  try {
    return new URL(href, 'http://x').searchParams.get(key) ?? undefined;
  } catch {
    return undefined;
  }
};

type Mark = { start: string | null; pending: number; skipped: boolean; open: boolean };

/** Decides (or queues) the owned items of one page; false when the stop time came first. */
const takePage = async <T>(
  pass: Pass,
  spec: ListingSpec<T>,
  page: Page<T>,
  mark: Mark,
  prune: () => void,
): Promise<boolean> => {
  const { state } = spec;
  const live = pass.stats.live;
  for (let i = 0; i < page.items.length; i += 1) {
    const item = page.items[i] as T;
    state.listed += 1;
    live.listed += 1;
    if (!spec.owns(item)) continue;
    if (pass.pastStop()) {
      const left = page.items.slice(i).filter((x) => spec.owns(x)).length;
      state.owned += left;
      live.owned += left;
      state.not_reached += left;
      live.notReached += left;
      mark.skipped = true;
      return false;
    }
    state.owned += 1;
    live.owned += 1;
    const started = performance.now();
    const handled = spec.handle(item);
    if (typeof handled !== 'function') {
      record(pass, handled.kind, handled.crn, handled.result, 0, started, handled.ctxRt);
      continue;
    }
    mark.pending += 1;
    await submit(pass, spec.lane, state, handled, (reached) => {
      mark.pending -= 1;
      if (!reached) mark.skipped = true;
      prune();
    });
  }
  return true;
};

/** Pages through one listing until its end, the stop time, or a failure. */
const runListing = async <T>(pass: Pass, spec: ListingSpec<T>): Promise<void> => {
  const { state } = spec;
  pass.listings.push(state);
  const marks: Mark[] = [];
  // Fully decided pages are forgotten, so memory stays flat however long the listing.
  const prune = (): void => {
    while (marks[0] && !marks[0].open && marks[0].pending === 0 && !marks[0].skipped) marks.shift();
  };
  let token: string | null = spec.from;
  let unlisted: string | null | undefined;
  try {
    for (;;) {
      if (pass.pastStop()) {
        unlisted = token;
        break;
      }
      const page = await pass.pages.add(() => spec.fetch(token));
      state.pages += 1;
      if (state.total === undefined && page.total !== undefined) {
        state.total = page.total;
        pass.expected += Math.round(page.total * spec.share);
      }
      const mark: Mark = { start: token, pending: 0, skipped: false, open: true };
      marks.push(mark);
      const whole = await takePage(pass, spec, page, mark, prune);
      mark.open = false;
      prune();
      if (!whole || mark.skipped) break;
      if (page.next === undefined) {
        // Listed to its end without a total_count (IAM's profiles): its size is what it owned.
        if (state.total === undefined) pass.expected += state.owned;
        state.listing_finished = true;
        break;
      }
      token = page.next;
    }
  } catch (err) {
    listingFailed(pass, state, spec.what, spec.region, err);
    unlisted = token;
  }
  // After the lanes drain: continue from the first page with an undecided resource, else from the
  // first page never fetched.
  pass.finishers.push(() => {
    const first = marks.find((m) => m.skipped);
    state.listing_finished = state.error === undefined && state.listing_finished;
    state.complete = state.listing_finished && first === undefined;
    if (state.complete) return;
    state.resume_from = first ? first.start : (unlisted ?? null);
    spec.onIncomplete(state.resume_from);
  });
};

export type { ListingSpec, Page };
export { runListing, startOf };
