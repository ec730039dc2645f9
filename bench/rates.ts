// Benchmark: rates for all communities and all buildings at 10k, 100k and 1M generated responses,
// next to the bare SQL GROUP BY over the responses on the same data, in the same run.
//
//   npx tsx bench/rates.ts                      # 10k, 100k, 1M on a fresh embedded PostgreSQL
//   npx tsx bench/rates.ts 10000 50000          # other sizes
//   BENCH_DATABASE_URL=postgres://… npx tsx bench/rates.ts   # an existing server (a database "wm_bench" is created there)
//
// Responses are generated for the demo county (415 buildings) with the shipped household
// questionnaire and loaded with COPY, so the tally triggers run as they would for a bulk import.
// Every timing is the median of 15 runs after 10 warm-up runs, once autovacuum is idle. "engine"
// is the whole rate table (register, tallies, roll-up, intervals, ranking); "bare GROUP BY" is
// only the SQL count of positive and valid satisfaction answers per unit, straight from the
// responses' jsonb.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrate";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const sizes = SIZES.length ? SIZES : [10_000, 100_000, 1_000_000];
// The harness (npm run bench -- rates) runs fewer repetitions to stay within its time budget.
const WARMUP = Number(process.env.BENCH_RATES_WARMUP ?? 10);
const RUNS = Number(process.env.BENCH_RATES_RUNS ?? 15);

let embedded: EmbeddedDatabase | null = null;
let dir: string | null = null;
let adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) {
  dir = mkdtempSync(path.join(tmpdir(), "wenming-bench-"));
  embedded = await startEmbeddedPostgres(dir);
  adminUrl = embedded.url;
}
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe("drop database if exists wm_bench with (force)");
await admin.unsafe("create database wm_bench");
await admin.end();
const url = new URL(adminUrl);
url.pathname = "/wm_bench";
process.env.DATABASE_URL = url.toString();
process.env.SESSION_SECRET ??= "bench-session-secret-0123456789abcdef";

// App modules read DATABASE_URL when they load.
const { sql } = await import("../app/db.server");
const { seedDemoCounty } = await import("../db/seed/index");
const { createSurvey, publishSurvey } = await import("../app/models/surveys.server");
const { createCampaign } = await import("../app/models/campaigns.server");
const rates = await import("../app/models/rates.server");
const engine = await import("../app/domain/rate-engine");
const { taggedQuestions } = await import("../app/survey/tags");
const { mulberry32 } = await import("../app/domain/sampling");
const { signIn } = await import("../app/models/users.server");
const { commitSession } = await import("../app/utils/session.server");
// The office pages' loaders (their whole server time but rendering), as the routes run them.
const pageLoaders = {
  "/rates (buildings)": [await import("../app/routes/rates._index"), "level=building"],
  "/rates (communities)": [await import("../app/routes/rates._index"), "level=community"],
  "/rates/<community>": [await import("../app/routes/rates.$placeId"), ""],
  "/rates/trends": [await import("../app/routes/rates.trends"), ""],
  "/rates/compare": [await import("../app/routes/rates.compare"), ""],
  "/bulletin": [await import("../app/routes/bulletin._index"), ""],
  "/bulletin/xlsx": [await import("../app/routes/bulletin.xlsx"), ""],
  "/planning": [await import("../app/routes/planning._index"), ""],
  "/planning/forecast": [await import("../app/routes/planning.forecast"), ""],
} as const;

try {
  await migrate(sql);
  const { countyId } = await seedDemoCounty();
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  const user = { countyId, scopePlaceId: root.id, scopeGridId: null };
  const definition = JSON.parse(readFileSync(path.join(ROOT, "surveys/household-satisfaction.json"), "utf8"));
  const surveyId = await createSurvey({ id: null, countyId }, { title: "bench", kind: "household", draft: definition });
  const version = (await publishSurvey({ id: null, countyId }, surveyId))!;
  const communities = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community' order by id`;
  const created = await createCampaign(
    { id: null, countyId },
    {
      code: "bench",
      name: "bench",
      surveyVersionId: version.id,
      opensAt: new Date("2026-01-01T00:00:00Z"),
      closesAt: new Date("2027-01-01T00:00:00Z"),
      duplicatePolicy: "unlimited",
      targetPlaceIds: communities.map((c) => c.id),
    },
  );
  if ("problem" in created) throw new Error(created.problem);
  const campaignId = created.id;
  // A deployed database has statistics for its register (autovacuum analyzes after an import).
  await sql`analyze`;
  const buildings = await sql<{ id: number; community: number }[]>`
    select id, path[3] as community from places where county_id = ${countyId} and level = 'building' order by id`;

  // Answers: every tagged question answered from its choices, communities differing in satisfaction.
  const tagged = taggedQuestions(definition);
  const choices = new Map<string, unknown[]>();
  for (const page of definition.pages) for (const e of page.elements) if (Array.isArray(e.choices)) choices.set(e.name, e.choices);
  const rng = mulberry32(42);
  const communityBias = new Map(communities.map((c, i) => [c.id, 0.75 + (i % 5) * 0.05]));
  const start = Date.parse("2026-03-01T00:00:00Z");
  let generated = 0;
  function answersFor(community: number) {
    const p = communityBias.get(community)!;
    const answers: Record<string, string> = {};
    for (const q of tagged) {
      const options = choices.get(q.name) ?? [];
      const positive = q.positiveAnswers;
      const negative = options.filter((o) => !positive.includes(o as never));
      answers[q.name] = String(
        rng() < p || negative.length === 0 ? positive[Math.floor(rng() * positive.length)] : negative[Math.floor(rng() * negative.length)],
      );
    }
    return answers;
  }
  function* rows(count: number): Generator<string> {
    for (let i = 0; i < count; i++) {
      const b = buildings[Math.floor(rng() * buildings.length)];
      const answers = answersFor(b.community);
      const finished = new Date(start + rng() * 26 * 7 * 86_400_000).toISOString();
      generated += 1;
      yield `${countyId}\t${campaignId}\t${version.id}\t${b.id}\tqr\t${JSON.stringify(answers)}\tbench-${String(generated).padStart(8, "0")}\t${finished}\n`;
    }
  }

  async function load(count: number) {
    // Its own connection, closed afterwards, so the timed queries never share one with a COPY.
    const loader = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const t = performance.now();
    const target =
      await loader`copy responses (county_id, campaign_id, survey_version_id, place_id, channel, answers, client_key, finished_at) from stdin`.writable();
    await pipeline(Readable.from(rows(count)), target);
    const ms = performance.now() - t;
    await loader.end();
    await sql`vacuum analyze responses`;
    await sql`vacuum analyze response_tallies`;
    await sql`vacuum analyze answer_totals`;
    // Time on a quiet database: let autovacuum, woken by the load, finish first.
    while ((await sql`select 1 from pg_stat_activity where backend_type = 'autovacuum worker'`).length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return ms;
  }

  async function median(run: () => Promise<unknown>) {
    for (let i = 0; i < WARMUP; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(RUNS / 2)];
  }

  // The bare GROUP BY: positive and valid answers of each satisfaction question per community (or
  // building), counted straight from the responses' jsonb — what a report without tallies runs.
  const satisfaction = tagged.filter((q) => q.measure === "satisfaction");
  const counts = satisfaction
    .map(
      (q) => sql`
      count(*) filter (where r.answers->>${q.name} = any(${q.positiveAnswers.map(String)}::text[]))::int,
      count(*) filter (where r.answers ? ${q.name} and not coalesce(r.answers->>${q.name} = any(${q.excludedAnswers.map(String)}::text[]), false))::int`,
    )
    .reduce((all, next) => sql`${all}, ${next}`);
  const bare = (depth: number) =>
    sql`
    select p.path[${depth}], ${counts}
    from responses r join places p on p.id = r.place_id
    where r.campaign_id = ${campaignId} and r.voided_at is null
    group by 1`.values();
  // The simplest jsonb GROUP BY: one question's positive and valid answers per community.
  const [one] = satisfaction;
  // What a trend without tallies runs: the same counts per building and Beijing week.
  const bareWeeks = () =>
    sql`
    select r.place_id, rate_week(r.finished_at), ${counts}
    from responses r
    where r.campaign_id = ${campaignId} and r.voided_at is null
    group by 1, 2`.values();
  const bareOne = () => sql`
    select p.path[3],
      count(*) filter (where r.answers->>${one.name} = any(${one.positiveAnswers.map(String)}::text[]))::int,
      count(*) filter (where r.answers ? ${one.name})::int
    from responses r join places p on p.id = r.place_id
    where r.campaign_id = ${campaignId} and r.voided_at is null
    group by 1`;
  const table = (
    level: "community" | "building",
    source: "tallies" | "responses",
    campaign: Awaited<ReturnType<typeof rates.listRateCampaigns>>[number],
  ) => rates.rateTable(user, { campaign, measure: "satisfaction", level, range: engine.ALL_WEEKS, minN: 30, source });

  const signedIn = await signIn("admin", "demo2026", { ip: "127.0.0.1", userAgent: "bench" });
  if (!signedIn.ok) throw new Error("bench: sign-in failed");
  const cookie = (await commitSession(new Request("http://localhost/"), signedIn.token)).split(";")[0];
  const pageResults: string[][] = [];
  async function timePages(size: number, bareBuildings: number, bareWeeks: number) {
    const row = [size.toLocaleString("en"), bareBuildings.toFixed(0), bareWeeks.toFixed(0)];
    for (const [, [module, query]] of Object.entries(pageLoaders)) {
      const route = { placeId: String(communities[0].id) };
      const run = async () => {
        const request = new Request(`http://localhost/x?campaign=bench${query ? `&${query}` : ""}`, { headers: { Cookie: cookie } });
        try {
          await module.loader({ request, params: route, context: { cspNonce: "bench", clientIp: null } } as never);
        } catch (thrown) {
          if (thrown instanceof Response && thrown.status >= 400) throw new Error(`loader answered ${thrown.status}`);
        }
      };
      const ms = await median(run);
      row.push(`${ms.toFixed(0)} (${(bareBuildings / ms).toFixed(1)}×)`);
    }
    pageResults.push(row);
  }

  const results: string[][] = [];
  let loaded = 0;
  for (const size of sizes) {
    const loadMs = await load(size - loaded);
    loaded = size;
    const campaign = engine.pickCampaign(await rates.listRateCampaigns(user), "bench")!;
    // Week tallies: one row per place and week, each holding that week's counts of every answer.
    const [{ tallyRows, weekAnswers }] = await sql<{ tallyRows: number; weekAnswers: number }[]>`
      select count(distinct (t.place_id, t.week))::int as "tallyRows", count(*)::int as "weekAnswers"
      from response_tallies t, jsonb_each(t.answers) q, jsonb_each(q.value) a
      where t.campaign_id = ${campaignId}`;
    // The engine and the bare count must agree before their times mean anything.
    const check = (await bare(3)) as unknown as number[][];
    const community = await table("community", "tallies", campaign);
    for (const [id, ...pairs] of check) {
      const unit = community.units.find((u) => u.placeId === id)!;
      const positive = pairs.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
      const valid = pairs.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0);
      if (unit.figure.counts.successes !== positive || unit.figure.counts.trials !== valid) throw new Error(`mismatch at ${unit.name}`);
    }
    const timings = {
      engineCommunities: await median(() => table("community", "tallies", campaign)),
      engineBuildings: await median(() => table("building", "tallies", campaign)),
      bareCommunities: await median(() => bare(3)),
      bareBuildings: await median(() => bare(5)),
      bareOneQuestion: await median(bareOne),
      directEngineBuildings: await median(() => table("building", "responses", campaign)),
    };
    const ms = (x: number) => x.toFixed(1);
    results.push([
      size.toLocaleString("en"),
      `${tallyRows.toLocaleString("en")} (${weekAnswers.toLocaleString("en")} answer counts)`,
      ms(timings.engineCommunities),
      ms(timings.engineBuildings),
      ms(timings.bareCommunities),
      ms(timings.bareBuildings),
      ms(timings.bareOneQuestion),
      ms(timings.directEngineBuildings),
      `${(timings.bareBuildings / timings.engineBuildings).toFixed(1)}×`,
      `${(loadMs / 1000).toFixed(1)} s`,
    ]);
    console.error(`${size}: ${JSON.stringify(timings)}`);
    await timePages(size, timings.bareBuildings, await median(bareWeeks));
  }

  // Write cost at the largest size, on one connection (as each submit_responses call runs, so the
  // trigger's statements are planned once): an INSERT of one submission and of a batch of 50, each
  // rolled back, with the tally trigger and without any trigger (session_replication_role =
  // replica, which also skips the foreign-key checks: the difference is an upper bound on the
  // tally upserts' cost).
  const campaign = engine.pickCampaign(await rates.listRateCampaigns(user), "bench")!;
  const connection = await sql.reserve();
  let written = 0;
  const write = (count: number, triggers: boolean) => async () => {
    const submissions = Array.from({ length: count }, () => {
      const b = buildings[Math.floor(rng() * buildings.length)];
      return {
        county_id: countyId,
        campaign_id: campaignId,
        survey_version_id: version.id,
        place_id: b.id,
        channel: "qr",
        answers: connection.json(answersFor(b.community)),
        client_key: `write-${String(++written).padStart(8, "0")}`,
        finished_at: new Date(start + 25 * 7 * 86_400_000 + rng() * 7 * 86_400_000),
      };
    });
    await connection`begin`;
    try {
      if (!triggers) await connection`set local session_replication_role = replica`;
      await connection`insert into responses ${connection(submissions as never[])}`;
    } finally {
      await connection`rollback`;
    }
  };
  const writes = {
    single: await median(write(1, true)),
    singleBare: await median(write(1, false)),
    batch: await median(write(50, true)),
    batchBare: await median(write(50, false)),
  };
  connection.release();
  const rebuildStart = performance.now();
  await rates.rebuildTallies(campaignId);
  const rebuild = performance.now() - rebuildStart;
  const consistent = (await rates.tallyDifferences(campaign.id)) === 0;

  const [{ server_version: server }] = await sql<{ server_version: string }[]>`show server_version`;
  console.log(`\nRates benchmark (PostgreSQL ${server}, median of ${RUNS} warm runs, ms)\n`);
  console.log(
    "| responses | week tally rows (answer counts in them) | engine: communities | engine: buildings | bare GROUP BY: communities | bare GROUP BY: buildings | bare GROUP BY: one question | engine on a direct count: buildings | bare GROUP BY ÷ engine (buildings) | COPY load (with triggers) |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) console.log(`| ${r.join(" | ")} |`);
  console.log(`\nOffice pages: loader time (everything but rendering), median of ${RUNS} warm runs, ms; target ≤ 150 ms at 1,000,000\n`);
  console.log(
    "Each page: ms (bare GROUP BY over the responses, buildings ÷ page, same run); the bare GROUP BY by building × week is what a trend without tallies would run.\n",
  );
  console.log(`| responses | bare GROUP BY: buildings | bare GROUP BY: buildings × weeks | ${Object.keys(pageLoaders).join(" | ")} |`);
  console.log(
    `| ---: | ---: | ---: | ${Object.keys(pageLoaders)
      .map(() => "---:")
      .join(" | ")} |`,
  );
  for (const r of pageResults) console.log(`| ${r.join(" | ")} |`);
  const per = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(0)} µs`;
  console.log(
    `\nWriting submissions (INSERT, rolled back, one connection): one submission ${writes.single.toFixed(2)} ms with its tally upserts, ${writes.singleBare.toFixed(2)} ms without triggers; a batch of 50: ${writes.batch.toFixed(1)} ms with (${per(writes.batch, 50)} per submission), ${writes.batchBare.toFixed(1)} ms without (${per(writes.batchBare, 50)}); the tally upserts: at most ${per(writes.single - writes.singleBare, 1)} alone, ${per(writes.batch - writes.batchBare, 50)} per submission in a batch of 50`,
  );
  console.log(
    `Rebuilding the tallies of ${loaded.toLocaleString("en")} responses in one statement: ${(rebuild / 1000).toFixed(1)} s; tallies match a direct count: ${consistent}`,
  );
} finally {
  await sql.end();
  if (embedded) await embedded.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
