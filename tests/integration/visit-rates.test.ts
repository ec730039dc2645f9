// Door-to-door coverage and refusal as rates sources on the demo county: the bulletin ranked by
// coverage and by refusal, their trends, and satisfaction of visited vs not-visited households and of buildings
// above vs below a coverage level — each against counts made here in plain SQL from the logs and
// the responses.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { formulaFor, shownChange, weekEnd, weekOf } from "~/domain/measures";
import { parseBulletinParams } from "~/domain/rate-params";
import { chooseCampaign, type RateCampaign } from "~/domain/rate-engine";
import { compareByCoverage, compareVisited, listRateCampaigns, visitBulletinPage, visitTrends } from "~/models/rates.server";
import { chooseRound, createRound, roundByCode, type VisitRound } from "~/models/visits.server";
import { seedDemoCampaigns, seedDemoCounty } from "../../db/seed/index";
import { seedDemoResponses } from "../../db/seed/demo-responses";
import { DEMO_ROUND, seedDemoVisits } from "../../db/seed/demo-visits";
import { wholeCounty } from "./helpers";

let countyId: number;
let scope: Awaited<ReturnType<typeof wholeCounty>>;
let round: VisitRound;
let campaign: RateCampaign;

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const campaigns = await seedDemoCampaigns(countyId);
  await seedDemoResponses({ countyId, campaignId: campaigns.demo, seed: 2, weeksBack: 5 });
  await seedDemoVisits(countyId);
  scope = await wholeCounty(countyId);
  round = (await roundByCode(countyId, DEMO_ROUND))!;
  campaign = chooseCampaign(await listRateCampaigns(scope), { campaign: "demo" }).campaign!;
});

/** Per community, in plain SQL: non-vacant households, those found vacant, and those reached before `before`. */
async function communityCounts(before: Date) {
  return sql<{ id: number; households: number; foundVacant: number; reached: number }[]>`
    with counted as (
      select l.* from visit_logs l
      where l.round_id = ${round.id} and l.review_state <> 'rejected' and l.undoes is null
        and not exists (select 1 from visit_logs u where u.undoes = l.id and u.review_state <> 'rejected')
    ), per as (
      select household_id, min(at) filter (where outcome = 'reached') as reached_at, bool_or(outcome = 'refused') as refused,
        count(distinct (at at time zone 'Asia/Shanghai')::date) filter (where outcome = 'vacant') as vacant_days
      from counted group by 1
    )
    select h.path[3] as id, count(*)::int as households,
      (count(*) filter (where p.reached_at is null and not coalesce(p.refused, false) and p.vacant_days >= 2))::int as "foundVacant",
      (count(*) filter (where p.reached_at < ${before}))::int as reached
    from households h left join per p on p.household_id = h.id
    where h.county_id = ${countyId} and not h.vacant group by 1`;
}

describe("coverage in the bulletin", () => {
  it("ranks communities by coverage at the week's end with plain counts, red below the target and green above", async () => {
    const week = weekOf(new Date());
    const params = parseBulletinParams(
      new URLSearchParams({ measure: "coverage", round: DEMO_ROUND, level: "community", target: "60", minN: "30" }),
    );
    const page = await visitBulletinPage(scope, "coverage", { ...params, week }, new Date());
    if (page === "notFound" || !page.bulletin) throw new Error("no bulletin");
    const { bulletin } = page;
    expect(bulletin.formula.measure).toBe("coverage");
    expect(bulletin.rows).toHaveLength(7);
    const end = new Date(`${weekEnd(week)}T24:00:00+08:00`);
    const lastWeekEnd = new Date(end.getTime() - 7 * 86_400_000);
    const [now, before] = [await communityCounts(end), await communityCounts(lastWeekEnd)];
    for (const row of bulletin.rows) {
      const direct = now.find((c) => c.id === row.unit.placeId)!;
      const n = direct.households - direct.foundVacant;
      const f = row.unit.figure;
      expect({ reached: f.counts.successes, n: f.counts.n }).toEqual({ reached: direct.reached, n });
      // A census: the rate is the count's ratio, with no interval around it.
      expect(f.census).toBe(true);
      expect(f.weighted.rate).toBeCloseTo(direct.reached / n, 12);
      expect([f.weighted.lower, f.weighted.upper]).toEqual([f.weighted.rate, f.weighted.rate]);
      expect(row.status).toBe(direct.reached / n < 0.6 ? "red" : direct.reached / n > 0.6 ? "green" : "yellow");
      const prior = before.find((c) => c.id === row.unit.placeId)!;
      expect(row.previous.figure.counts.successes).toBe(prior.reached);
      expect(shownChange(f.weighted.rate!, row.previous.figure.weighted.rate!)).toBe(
        Math.round((Math.round((direct.reached / n) * 1000) / 10 - Math.round((prior.reached / n) * 1000) / 10) * 10) / 10,
      );
    }
    // Ranked from the highest coverage down.
    const rates = bulletin.rows.map((r) => r.unit.figure.weighted.rate!);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    expect(bulletin.rows.map((r) => r.unit.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("greys and does not rank units with fewer households to reach than the minimum", async () => {
    const params = parseBulletinParams(new URLSearchParams({ measure: "coverage", level: "building", minN: "60" }));
    const page = await visitBulletinPage(scope, "coverage", params, new Date());
    if (page === "notFound" || !page.bulletin) throw new Error("no bulletin");
    const small = page.bulletin.rows.filter((r) => r.unit.figure.counts.n < 60 && r.unit.figure.counts.n > 0);
    expect(small.length).toBeGreaterThan(0);
    expect(small.every((r) => r.unit.rank === null && r.status === null && r.unit.figure.belowMinimum)).toBe(true);
  });

  it("shows coverage at the end of each week of the round, rising to today's", async () => {
    const [trend] = (await visitTrends(scope, { measures: ["coverage"], round, placeId: null, gridId: null, minN: 30, now: new Date() }))!;
    expect(trend.weeks.length).toBeGreaterThanOrEqual(2);
    expect(trend.weeks[0].week).toBe(weekOf(round.startsAt));
    const reached = trend.weeks.map((w) => w.figure.counts.successes);
    expect(reached).toEqual([...reached].sort((a, b) => a - b));
    for (const w of trend.weeks) {
      const direct = await communityCounts(new Date(`${weekEnd(w.week)}T24:00:00+08:00`));
      expect(w.figure.counts.successes).toBe(direct.reduce((s, c) => s + c.reached, 0));
    }
  });
});

/** Per community, in plain SQL: households tried before `before` (less those found vacant today) and those refused then and not reached then. */
async function refusalCounts(before: Date) {
  return sql<{ id: number; tried: number; refused: number }[]>`
    with counted as (
      select l.* from visit_logs l
      where l.round_id = ${round.id} and l.review_state <> 'rejected' and l.undoes is null
        and not exists (select 1 from visit_logs u where u.undoes = l.id and u.review_state <> 'rejected')
    ), per as (
      select household_id, min(at) as first_at, min(at) filter (where outcome = 'reached') as reached_at,
        min(at) filter (where outcome = 'refused') as refused_at,
        count(distinct (at at time zone 'Asia/Shanghai')::date) filter (where outcome = 'vacant') as vacant_days
      from counted group by 1
    )
    select h.path[3] as id,
      (count(*) filter (where p.first_at < ${before}))::int as tried,
      (count(*) filter (where p.refused_at < ${before} and not coalesce(p.reached_at < ${before}, false)))::int as refused
    from households h join per p on p.household_id = h.id
    where h.county_id = ${countyId} and not h.vacant
      and not (p.reached_at is null and p.refused_at is null and p.vacant_days >= 2)
    group by 1`;
}

describe("refusal in the bulletin", () => {
  it("ranks communities from the lowest refusal rate, red above the ceiling and green below, with plain counts", async () => {
    const week = weekOf(new Date());
    const params = parseBulletinParams(new URLSearchParams({ measure: "refusal", round: DEMO_ROUND, level: "community", minN: "30" }));
    expect(params.source).toBe("refusal");
    const page = await visitBulletinPage(scope, "refusal", { ...params, week }, new Date());
    if (page === "notFound" || !page.bulletin) throw new Error("no bulletin");
    const { bulletin } = page;
    expect(bulletin.formula.measure).toBe("refusal");
    expect(bulletin.rows).toHaveLength(7);
    const end = new Date(`${weekEnd(week)}T24:00:00+08:00`);
    const [now, before] = [await refusalCounts(end), await refusalCounts(new Date(end.getTime() - 7 * 86_400_000))];
    const statuses = new Set<string | null>();
    for (const row of bulletin.rows) {
      const direct = now.find((c) => c.id === row.unit.placeId)!;
      const f = row.unit.figure;
      expect({ refused: f.counts.successes, n: f.counts.n }).toEqual({ refused: direct.refused, n: direct.tried });
      expect(f.census).toBe(true);
      expect(f.weighted.rate).toBeCloseTo(direct.refused / direct.tried, 12);
      // Lower is better: above the ceiling is red.
      const rate = direct.refused / direct.tried;
      expect(row.status).toBe(rate > 0.05 ? "red" : rate < 0.05 ? "green" : "yellow");
      statuses.add(row.status);
      const prior = before.find((c) => c.id === row.unit.placeId);
      expect(row.previous.figure.counts.successes).toBe(prior?.refused ?? 0);
      expect(row.previous.figure.counts.n).toBe(prior?.tried ?? 0);
    }
    // The demo's communities refuse on both sides of the default 5% ceiling.
    expect(params.target).toBe(0.05);
    expect([statuses.has("red"), statuses.has("green")]).toEqual([true, true]);
    const rates = bulletin.rows.map((r) => r.unit.figure.weighted.rate!);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(bulletin.rows.map((r) => r.unit.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(bulletin.total.unit.figure.counts.successes).toBe(now.reduce((s, c) => s + c.refused, 0));
  });

  it("takes a 5% ceiling when none is given", () => {
    expect(parseBulletinParams(new URLSearchParams({ measure: "refusal" })).target).toBe(0.05);
    expect(parseBulletinParams(new URLSearchParams({ measure: "coverage" })).target).not.toBe(0.05);
  });

  it("shows the refusal rate at the end of each week of the round against counts of the logs", async () => {
    const [trend] = (await visitTrends(scope, { measures: ["refusal"], round, placeId: null, gridId: null, minN: 30, now: new Date() }))!;
    expect(trend.formula.measure).toBe("refusal");
    expect(trend.weeks[0].week).toBe(weekOf(round.startsAt));
    for (const w of trend.weeks) {
      const direct = await refusalCounts(new Date(`${weekEnd(w.week)}T24:00:00+08:00`));
      expect([w.figure.counts.successes, w.figure.counts.n]).toEqual([
        direct.reduce((s, c) => s + c.refused, 0),
        direct.reduce((s, c) => s + c.tried, 0),
      ]);
    }
    expect(trend.weeks.at(-1)!.figure.counts.successes).toBeGreaterThan(0);
  });
});

/** Positive and valid satisfaction answers per group, in plain SQL, `group` an SQL expression over r, h and per. */
async function satisfactionBy(group: ReturnType<typeof sql>) {
  const formula = formulaFor("satisfaction", campaign.tagged);
  const positive = formula.questions.flatMap((q) => q.positive.map((a) => `${q.name}=${a}`));
  const excluded = formula.questions.flatMap((q) => q.excluded.map((a) => `${q.name}=${a}`));
  const names = formula.questions.map((q) => q.name);
  return sql<{ first: boolean | null; responses: number; positive: number; valid: number }[]>`
    with per as (
      select household_id, min(at) filter (where outcome = 'reached') as reached_at from visit_logs
      where round_id = ${round.id} and review_state <> 'rejected' and undoes is null group by 1
    ), answers as (
      select r.id, ${group} as first, q.key || '=' || (q.value #>> '{}') as qa
      from responses r left join per on per.household_id = r.household_id
      cross join lateral jsonb_each(r.answers) q
      where r.campaign_id = ${campaign.id} and r.voided_at is null and q.key = any(${names}::text[])
    )
    select first, count(distinct id)::int as responses,
      (count(*) filter (where qa = any(${positive}::text[])))::int as positive,
      (count(*) filter (where not qa = any(${excluded}::text[])))::int as valid
    from answers group by 1`;
}

describe("visits in the compare page", () => {
  it("compares satisfaction of households visited before answering with the other linked households", async () => {
    const report = await compareVisited(scope, { campaign, measure: "satisfaction", round, minN: 30 });
    const direct = await satisfactionBy(
      sql`case when r.household_id is null then null else coalesce(per.reached_at <= r.finished_at, false) end`,
    );
    const [visited, notVisited] = [direct.find((d) => d.first === true)!, direct.find((d) => d.first === false)!];
    expect(visited.responses).toBeGreaterThan(30);
    expect(notVisited.responses).toBeGreaterThan(30);
    expect(report.groups.map((g) => [g.counts.successes, g.counts.valid])).toEqual([
      [visited.positive, visited.valid],
      [notVisited.positive, notVisited.valid],
    ]);
    expect(report.unlinked).toBe(direct.find((d) => d.first === null)?.responses ?? 0);
    const [a, b] = report.groups.map((g) => g.estimate.rate!);
    expect(report.comparison!.difference).toBeCloseTo(a - b, 12);
    expect(report.comparison!.lower).toBeLessThan(report.comparison!.difference);
  });

  it("compares buildings at or above a coverage level with those below it, for any campaign", async () => {
    const report = await compareByCoverage(scope, { campaign, measure: "satisfaction", round, threshold: 0.7, minN: 30 });
    const buildings = await sql<{ id: number; coverage: number }[]>`
      select h.building_id as id, (count(*) filter (where s.status = 'reached'))::float / count(*) as coverage
      from households h left join visit_household_states s on s.round_id = ${round.id} and s.household_id = h.id
      where h.county_id = ${countyId} and not h.vacant and s.status is distinct from 'vacant' group by 1`;
    const above = buildings.filter((b) => b.coverage >= 0.7).map((b) => b.id);
    const below = buildings.filter((b) => b.coverage < 0.7).map((b) => b.id);
    expect(above.length).toBeGreaterThan(0);
    expect(below.length).toBeGreaterThan(0);
    const direct = await satisfactionBy(
      sql`case when r.path[5] = any(${above}::int[]) then true when r.path[5] = any(${below}::int[]) then false end`,
    );
    expect(report.groups.map((g) => [g.responses, g.counts.successes, g.counts.valid])).toEqual(
      [true, false].map((first) => {
        const d = direct.find((x) => x.first === first)!;
        return [d.responses, d.positive, d.valid];
      }),
    );
  });
});

describe("the round the pages show by default", () => {
  it("is the open round with the most households logged, not a round just opened with nothing logged", async () => {
    const made = await createRound(
      { id: null, countyId },
      {
        code: "just-opened",
        name: "刚开的一轮",
        startsAt: new Date(Date.now() + 86_400_000),
        firstDeadline: new Date(Date.now() + 10 * 86_400_000),
        finalDeadline: new Date(Date.now() + 20 * 86_400_000),
        campaignId: null,
        message: null,
        unreachableAfter: 3,
        targetPlaceIds: [
          (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community' limit 1`)[0].id,
        ],
      },
    );
    if (!("id" in made)) throw new Error(made.problem);
    const { rounds, round: shown } = await chooseRound(countyId, null);
    // The new round is the newest: it would be shown if the pages took the newest open round.
    expect(rounds[0].code).toBe("just-opened");
    expect(shown?.code).toBe(DEMO_ROUND);
    expect((await chooseRound(countyId, "just-opened")).round?.code).toBe("just-opened");
    expect((await chooseRound(countyId, "no-such-round")).round).toBeUndefined();
    const page = await visitBulletinPage(scope, "coverage", parseBulletinParams(new URLSearchParams({ measure: "coverage" })), new Date());
    expect(page !== "notFound" && page.round?.code).toBe(DEMO_ROUND);
    await sql`delete from visit_round_targets where round_id = ${made.id}`;
    await sql`delete from visit_rounds where id = ${made.id}`;
  });
});
