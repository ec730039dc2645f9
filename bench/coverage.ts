// Benchmark: door-to-door coverage at the demo's size (~20,000 households, ~60,000 logs) and at a
// 10× county (the demo register ten times over: ~200,000 households, ~600,000 logs), next to the
// bare GROUP BY over the logs on the same data in the same run, and the sync of 200 queued logs.
//
//   npx tsx bench/coverage.ts 1        # one scale per process (npm run bench -- coverage runs 1 and 10)
//   BENCH_DATABASE_URL=postgres://… npx tsx bench/coverage.ts 10
//
// Each scale gets a fresh database (wm_bench_coverage): the register, the demo round's volunteers,
// assignments and generated logs (db/seed/demo-visits.ts, the same generator as the demo), and the
// households' states and the coverage tallies written from them (rebuildVisitStates). Timings are
// medians of warm runs of the route loaders (their whole server time but rendering), at every level.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrate";

const scale = Number(process.argv[2] ?? 1);
const WARMUP = Number(process.env.BENCH_RATES_WARMUP ?? 3);
const RUNS = Number(process.env.BENCH_RATES_RUNS ?? 9);
const log = (line: string) => process.stderr.write(`[bench coverage ${scale}×] ${line}\n`);

let embedded: EmbeddedDatabase | null = null;
let dir: string | null = null;
let adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) {
  dir = mkdtempSync(path.join(tmpdir(), "wenming-bench-"));
  embedded = await startEmbeddedPostgres(dir);
  adminUrl = embedded.url;
}
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe("drop database if exists wm_bench_coverage with (force)");
await admin.unsafe("create database wm_bench_coverage");
await admin.end();
const url = new URL(adminUrl);
url.pathname = "/wm_bench_coverage";
process.env.DATABASE_URL = url.toString();
process.env.SESSION_SECRET ??= "bench-session-secret-0123456789abcdef";

// App modules read DATABASE_URL when they load.
const { sql } = await import("../app/db.server");
const { seedDemoCounty, DEMO_PASSWORD } = await import("../db/seed/index");
const { generateDemoRegister } = await import("../db/seed/demo-county");
const { DEMO_ROUND, seedDemoVisits } = await import("../db/seed/demo-visits");
const visits = await import("../app/models/visits.server");
const { signIn } = await import("../app/models/users.server");
const { commitSession } = await import("../app/utils/session.server");
const coveragePage = await import("../app/routes/coverage._index");
const syncRoute = await import("../app/routes/api.visits");

async function median(run: () => Promise<unknown>, runs = RUNS) {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

/** The demo register `times` over: each copy's streets (and grids) renamed so the copies stay apart. */
function register(times: number) {
  const base = generateDemoRegister();
  if (times === 1) return base;
  return Array.from({ length: times }, (_, copy) =>
    base.map((r) => ({
      ...r,
      line: copy * base.length + r.line,
      street: copy === 0 ? r.street : `${r.street}${copy + 1}区`,
      grid: r.grid && copy > 0 ? `${r.grid}-${copy + 1}` : r.grid,
    })),
  ).flat();
}

try {
  await migrate(sql);
  let t = performance.now();
  const { countyId } = await seedDemoCounty(register(scale));
  log(`register in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const logs = await seedDemoVisits(countyId);
  const seeding = performance.now() - t;
  await sql`vacuum analyze`;
  const round = (await visits.roundByCode(countyId, DEMO_ROUND))!;
  const [{ households }] = await sql<
    { households: number }[]
  >`select count(*)::int as households from households where county_id = ${countyId}`;
  log(`${households} households, ${logs} logs (with their states) in ${(seeding / 1000).toFixed(1)} s`);

  const cookieOf = async (username: string) => {
    const session = await signIn(username, DEMO_PASSWORD, { ip: "127.0.0.1", userAgent: "bench" });
    if (!session.ok) throw new Error(`bench: sign-in of ${username} failed`);
    return (await commitSession(new Request("http://localhost/"), session.token)).split(";")[0];
  };
  const [office, community, volunteer] = [await cookieOf("admin"), await cookieOf("community"), await cookieOf("volunteer")];
  const page = (cookie: string, level: string) => async () => {
    const request = new Request(`http://localhost/coverage?round=${DEMO_ROUND}&level=${level}`, { headers: { Cookie: cookie } });
    await coveragePage.loader({ request, params: {}, context: { cspNonce: "bench", clientIp: null } } as never);
  };
  // The bare GROUP BY: reached households per community straight from the logs (no undo, no
  // review, no rule): the least any count over the logs must read.
  const bare = (depth: number) => () =>
    sql`
      select h.path[${depth}] as unit, count(distinct l.household_id) filter (where l.outcome = 'reached')::int as reached
      from visit_logs l join households h on h.id = l.household_id
      where l.round_id = ${round.id} group by 1`.values();

  // The engine and the bare count agree where they can (no undos or rejections in the seed).
  const scope = {
    countyId,
    scopePlaceId: (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`)[0].id,
    scopeGridId: null,
  };
  const byCommunity = await visits.coverage(scope, round, "community");
  for (const [unit, reached] of (await bare(3)()) as unknown as [number, number][]) {
    const shown = byCommunity.units.find((u) => u.placeId === unit);
    if (!shown || shown.reached !== reached) throw new Error(`bench: coverage disagrees with the logs at community ${unit}`);
  }

  const timings = {
    county: await median(page(office, "county")),
    communities: await median(page(office, "community")),
    buildings: await median(page(office, "building")),
    streets: await median(page(office, "street")),
    compounds: await median(page(office, "compound")),
    stairwells: await median(page(office, "stairwell")),
    grids: await median(page(office, "grid")),
    units: await median(page(office, "unit")),
    volunteers: await median(page(office, "volunteer")),
    communityStaff: await median(page(community, "building")),
    bareCommunities: await median(bare(3)),
    bareBuildings: await median(bare(5)),
  };

  // A phone's queue of 200 logs (the most one request may carry) on the volunteer's households.
  const mine = (
    await sql<{ id: number }[]>`
      select h.id from households h join visit_assignments a on a.place_id = h.building_id and a.withdrawn_at is null
      join users u on u.id = a.volunteer_id and u.username = 'volunteer'
      where a.round_id = ${round.id} and not h.vacant order by h.id`
  ).map((r) => r.id);
  let sent = 0;
  const sync = async () => {
    const now = Date.now();
    const body = {
      round: DEMO_ROUND,
      visits: Array.from({ length: 200 }, (_, i) => ({
        clientKey: `bench-sync-${++sent}-${now}`,
        householdId: mine[(sent * 7 + i) % mine.length],
        outcome: i % 4 === 0 ? "reached" : "notHome",
        at: new Date(now - (200 - i) * 20_000).toISOString(),
      })),
    };
    const request = new Request("http://localhost/api/visits", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { Cookie: volunteer, "Content-Type": "application/json" },
    });
    const response = (await syncRoute.action({ request, params: {}, context: { cspNonce: "", clientIp: null } } as never)) as Response;
    const { results } = (await response.json()) as { results: { status: string }[] };
    if (results.filter((r) => r.status === "stored").length !== 200) throw new Error("bench: a sync stored fewer than 200 logs");
  };
  const syncMs = await median(sync);
  const differencesStart = performance.now();
  const differences = await visits.coverageDifferences(round, countyId);
  const checkMs = performance.now() - differencesStart;
  // The tallies the changes left equal a recount from the states, row for row.
  const tallies = () =>
    Promise.all([
      sql`select * from visit_place_counts where round_id = ${round.id} order by place_id`.values(),
      sql`select * from visit_area_counts where round_id = ${round.id} order by place_id`.values(),
      sql`select * from visit_volunteer_counts where round_id = ${round.id} order by place_id, volunteer_id`.values(),
      sql`select place_id, day::text, households from visit_finished_days where round_id = ${round.id} order by place_id, day`.values(),
    ]).then((tables) => JSON.stringify(tables));
  const kept = await tallies();
  const recountStart = performance.now();
  await visits.recountTallies(sql, { roundId: round.id });
  const recountMs = performance.now() - recountStart;
  const talliesAgree = kept === (await tallies());
  const [{ tallyRows }] = await sql<{ tallyRows: number }[]>`
    select ((select count(*) from visit_place_counts where round_id = ${round.id})
      + (select count(*) from visit_area_counts where round_id = ${round.id})
      + (select count(*) from visit_volunteer_counts where round_id = ${round.id})
      + (select count(*) from visit_finished_days where round_id = ${round.id}))::int as "tallyRows"`;
  const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from visit_logs where round_id = ${round.id}`;
  const ms = (x: number) => x.toFixed(0);
  const row = [
    `${scale}×`,
    households.toLocaleString("en"),
    `${logs.toLocaleString("en")} (+${(total - logs).toLocaleString("en")} synced)`,
    ms(timings.county),
    ms(timings.communities),
    ms(timings.buildings),
    ms(timings.streets),
    ms(timings.compounds),
    ms(timings.stairwells),
    ms(timings.grids),
    ms(timings.units),
    ms(timings.volunteers),
    ms(timings.communityStaff),
    ms(timings.bareCommunities),
    ms(timings.bareBuildings),
    `${(timings.bareCommunities / timings.communities).toFixed(2)}`,
    ms(syncMs),
    `${differences} (${(checkMs / 1000).toFixed(1)} s)`,
    `${talliesAgree ? "yes" : "NO"} (${tallyRows.toLocaleString("en")} rows, recount ${ms(recountMs)} ms)`,
    `${(seeding / 1000).toFixed(0)} s`,
  ];
  console.error(JSON.stringify(timings));
  console.log(`| ${row.join(" | ")} |`);
} finally {
  await sql.end();
  if (embedded) await embedded.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
