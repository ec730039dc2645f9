// The per-link opens / starts / completions counters, added up in memory and written as one
// statement every FLUSH_MS (docs/decisions/006-write-path.md). A poster scanned by fifty phones
// no longer makes fifty transactions queue on one campaign_links row. The counters are a
// display statistic: a crash loses at most the last interval's increments (never a response;
// completions can always be recounted from responses.link_id).
//
// Opens and starts count visitors, not requests (db/migrations/015_hostile_input.sql): a device
// (its `wm_dev` cookie) once per link, event and Beijing day, however often it reloads or posts;
// a request without a device cookie counts for its address, at most LINK_ADDRESS_CEILING times per
// link, event and day. No request is refused for this: the page is served either way, only the
// counter stops. Why these limits: a phone's first open never carries a cookie (it gets one with
// the page), so fifty phones on a community centre's Wi-Fi (one address) are fifty cookie-less
// opens, and mobile carriers put whole districts behind a few addresses (CGNAT): the ceiling must
// be far above a crowd at one poster on one day. A script that drops its cookies can still add at
// most LINK_ADDRESS_CEILING a day per link from one address; one that keeps them adds one.
// The rows are in PostgreSQL so that two app instances count against the same visitors.
import { sql } from "~/db.server";

export type LinkEvent = "opens" | "starts" | "completions";

/** Who made a request: its device cookie, or, without one, its address (and the device id it was given). */
export type LinkVisitor = { device: string | null; address: string | null; newDevice?: string | null };

/** Cookie-less opens (or starts) counted per link, address and Beijing day. */
export const LINK_ADDRESS_CEILING = 200;

const FLUSH_MS = 1000;
/** Visitor rows of days before yesterday are deleted at most this often. */
const PRUNE_EVERY_MS = 10 * 60_000;

type Counts = { opens: number; starts: number; completions: number };
/** Requests per (link, event, visitor) since the last flush; `counts` false for a device's first
 *  request, which counted for its address and only marks the device as seen. */
type Visit = { linkId: number; event: "opens" | "starts"; visitor: string; hits: number; counts: boolean };

let pending = new Map<number, Counts>();
let visits = new Map<string, Visit>();
let timer: NodeJS.Timeout | null = null;
let flushing: Promise<void> = Promise.resolve();
let lastPrune = 0;
/** The county of each link counted (the tenant key of every statement here; a link never changes county). */
const countyOf = new Map<number, number>();

function schedule() {
  if (timer) return;
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

function add(counts: Map<number, Counts>, linkId: number, change: Partial<Counts>) {
  let c = counts.get(linkId);
  if (!c) counts.set(linkId, (c = { opens: 0, starts: 0, completions: 0 }));
  c.opens += change.opens ?? 0;
  c.starts += change.starts ?? 0;
  c.completions += change.completions ?? 0;
}

function addVisit(linkId: number, event: "opens" | "starts", visitor: string, hits: number, counts: boolean) {
  const key = `${linkId} ${event} ${visitor}`;
  const known = visits.get(key);
  if (known) {
    // Whether the row's first request counts is the first request's say.
    known.hits += hits;
  } else visits.set(key, { linkId, event, visitor, hits, counts });
}

/** A link as the resident pages know it. */
export type CountedLink = { linkId: number; countyId: number };

/** Counts a completion; an open or a start with its visitor (see the top of this file). */
export function countLink({ linkId, countyId }: CountedLink, event: LinkEvent, visitor?: LinkVisitor) {
  countyOf.set(linkId, countyId);
  if (event === "completions" || !visitor) add(pending, linkId, { [event]: 1 });
  else if (visitor.device) addVisit(linkId, event, `d:${visitor.device}`, 1, true);
  else {
    addVisit(linkId, event, `a:${visitor.address ?? "unknown"}`, 1, true);
    // The device id this request was given: its next request today is not counted again.
    if (visitor.newDevice) addVisit(linkId, event, `d:${visitor.newDevice}`, 1, false);
  }
  schedule();
}

/** Writes the pending increments now (tests; shutdown). */
export function flushLinkCounters(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const batch = pending;
  const seen = visits;
  if (countyOf.size > 50_000) {
    // Keep the counties of the links about to be written (a failed flush puts them back).
    const kept = new Set([...batch.keys(), ...[...seen.values()].map((v) => v.linkId)]);
    for (const id of countyOf.keys()) if (!kept.has(id)) countyOf.delete(id);
  }
  pending = new Map();
  visits = new Map();
  flushing = flushing.then(async () => {
    if (batch.size === 0 && seen.size === 0) return;
    try {
      const counts = new Map(batch);
      if (seen.size > 0) for (const row of await countVisitors([...seen.values()])) add(counts, row.linkId, { [row.event]: row.n });
      const rows = [...counts]
        .filter(([, c]) => c.opens + c.starts + c.completions > 0)
        .sort(([a], [b]) => a - b)
        .map(([id, c]) => [countyOf.get(id), id, c.opens, c.starts, c.completions]);
      if (rows.length > 0)
        await sql`
          update campaign_links l
          set opens = l.opens + v.opens::int, starts = l.starts + v.starts::int, completions = l.completions + v.completions::int
          from (values ${sql(rows as never)}) as v(county_id, id, opens, starts, completions)
          where l.county_id = v.county_id::int and l.id = v.id::int`;
      if (Date.now() - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await sql`delete from link_visitors where day < (now() at time zone 'Asia/Shanghai')::date - 1`;
      }
    } catch (error) {
      // Put them back for the next flush rather than lose them (a visitor row written before the
      // failure makes its visitor count as seen: an undercount of one flush at worst).
      for (const [id, c] of batch) add(pending, id, c);
      for (const v of seen.values()) addVisit(v.linkId, v.event, v.visitor, v.hits, v.counts);
      schedule();
      throw error;
    }
  });
  return flushing;
}

/**
 * Records the visitors' requests of today and returns how many of them count: a device the first
 * time today, an address up to LINK_ADDRESS_CEILING. The upsert locks each visitor's row, so two
 * instances flushing the same visitor see each other's hits and count it once between them.
 */
async function countVisitors(list: Visit[]) {
  list.sort((a, b) => a.linkId - b.linkId || a.event.localeCompare(b.event) || a.visitor.localeCompare(b.visitor));
  const values = list.map((v) => [countyOf.get(v.linkId), v.linkId, v.event, v.visitor, v.hits, v.counts]);
  return sql<{ linkId: number; event: "opens" | "starts"; n: number }[]>`
    with v (county_id, link_id, event, visitor, hits, counts) as (
      select county_id::int, link_id::int, event::text, visitor::text, hits::int, counts::boolean
      from (values ${sql(values as never)}) as x(county_id, link_id, event, visitor, hits, counts)
    ),
    upserted as (
      insert into link_visitors (county_id, link_id, event, day, visitor, hits)
      select l.county_id, v.link_id, v.event, (now() at time zone 'Asia/Shanghai')::date, v.visitor, v.hits
      from v join campaign_links l on l.county_id = v.county_id and l.id = v.link_id
      order by v.link_id, v.event, v.visitor
      on conflict (link_id, event, day, visitor) do update set hits = link_visitors.hits + excluded.hits
      returning link_id, event, visitor, hits
    )
    select u.link_id as "linkId", u.event,
           sum(case when not v.counts then 0
                    when v.visitor like 'd:%' then (u.hits = v.hits)::int
                    else least(${LINK_ADDRESS_CEILING}, u.hits) - least(${LINK_ADDRESS_CEILING}, u.hits - v.hits) end)::int as n
    from upserted u join v using (link_id, event, visitor)
    group by u.link_id, u.event`;
}
