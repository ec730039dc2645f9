// The per-link opens / starts / completions counters, added up in memory and written as one
// statement every FLUSH_MS (docs/decisions/006-write-path.md). A poster scanned by fifty phones
// no longer makes fifty transactions queue on one campaign_links row. The counters are a
// display statistic: a crash loses at most the last interval's increments (never a response;
// completions can always be recounted from responses.link_id).
import { sql } from "~/db.server";

export type LinkEvent = "opens" | "starts" | "completions";

const FLUSH_MS = 1000;
let pending = new Map<number, { opens: number; starts: number; completions: number }>();
let timer: NodeJS.Timeout | null = null;
let flushing: Promise<void> = Promise.resolve();

export function countLink(linkId: number, event: LinkEvent) {
  let counts = pending.get(linkId);
  if (!counts) pending.set(linkId, (counts = { opens: 0, starts: 0, completions: 0 }));
  counts[event] += 1;
  if (!timer) {
    timer = setTimeout(
      () =>
        void flushLinkCounters().catch((error) => {
          // After sql.end() (shutdown, the end of a test file) there is nothing to write to.
          if ((error as { code?: string }).code !== "CONNECTION_ENDED") console.error("[wenming] link counters:", error);
        }),
      FLUSH_MS,
    );
    timer.unref();
  }
}

/** Writes the pending increments now (tests; shutdown). */
export function flushLinkCounters(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const batch = pending;
  pending = new Map();
  flushing = flushing.then(async () => {
    if (batch.size === 0) return;
    const rows = [...batch].sort(([a], [b]) => a - b).map(([id, c]) => [id, c.opens, c.starts, c.completions]);
    try {
      await sql`
        update campaign_links l
        set opens = l.opens + v.opens::int, starts = l.starts + v.starts::int, completions = l.completions + v.completions::int
        from (values ${sql(rows as never)}) as v(id, opens, starts, completions)
        where l.id = v.id::int`;
    } catch (error) {
      // Put them back for the next flush rather than lose them.
      for (const [id, c] of batch) {
        countLink(id, "opens");
        const counts = pending.get(id)!;
        counts.opens += c.opens - 1;
        counts.starts += c.starts;
        counts.completions += c.completions;
      }
      throw error;
    }
  });
  return flushing;
}
