// Trends and bulletins read the week tallies (response_tallies.answers, db/migrations/008): their
// figures must equal an independent count over the responses — weeks taken on the Beijing
// calendar with its own expression, the weighting by households and Kish's effective n done
// here by hand — before and after voids, and across a Sunday-to-Monday boundary in Beijing time.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { mulberry32 } from "~/domain/sampling";
import { parseBulletinParams } from "~/domain/rate-params";
import { pickCampaign, type RateCampaign } from "~/domain/rate-engine";
import { createCampaign } from "~/models/campaigns.server";
import { bulletinPage, listRateCampaigns, rateTrend, tallyDifferences } from "~/models/rates.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import type { ScopedUser } from "~/models/users.server";
import { seedDemoCounty } from "../../db/seed/index";
import { wholeCounty } from "./helpers";

const DEFINITION = {
  title: "周趋势问卷",
  pages: [
    {
      name: "p1",
      elements: [
        {
          type: "radiogroup",
          name: "env",
          title: "环境",
          measure: "satisfaction",
          choices: ["满意", "基本满意", "不满意", "不清楚"],
          positiveAnswers: ["满意", "基本满意"],
          excludedAnswers: ["不清楚"],
          answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
        },
        {
          type: "radiogroup",
          name: "overall",
          title: "总体",
          measure: "satisfaction",
          choices: ["满意", "基本满意", "不满意"],
          positiveAnswers: ["满意", "基本满意"],
          answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
          weight: 2,
        },
      ],
    },
  ],
};

// Answers are drawn from these; an answer may also be missing.
const ENV = ["满意", "基本满意", "不满意", "不清楚"];
const OVERALL = ["满意", "基本满意", "不满意"];

let countyId: number;
let admin: ScopedUser;
let campaignId: number;
let versionId: number;
let edge: number; // a building that gets only the two responses either side of a Beijing midnight
let key = 0;

// Sunday 2026-03-29 23:59 and Monday 2026-03-30 00:01 in Beijing.
const SUNDAY_2359 = "2026-03-29T15:59:00Z";
const MONDAY_0001 = "2026-03-29T16:01:00Z";

async function insert(rows: { place: number; answers: Record<string, string>; at: string }[]) {
  return sql<{ id: string }[]>`
    insert into responses ${sql(
      rows.map((r) => ({
        county_id: countyId,
        campaign_id: campaignId,
        survey_version_id: versionId,
        place_id: r.place,
        channel: "qr",
        answers: sql.json(r.answers),
        client_key: `weekly-key-${++key}`,
        finished_at: new Date(r.at),
      })) as never[],
    )} returning id::text`;
}

const refresh = async (): Promise<RateCampaign> => pickCampaign(await listRateCampaigns(admin), "weekly")!;

type Building = {
  building: number;
  community: number;
  households: number;
  responses: number;
  positive: number;
  /** Valid answers per question (env, overall). */
  validEnv: number;
  validOverall: number;
  points: number;
  weight: number;
};

/**
 * Per building (and week, if asked), counted straight from the responses: responses, positive
 * and valid satisfaction answers (per question), and the score's weighted
 * points; weeks on the Beijing calendar (UTC+8) without the app's rate_week().
 */
async function direct(where: { week?: string; before?: string } = {}): Promise<(Building & { week: string })[]> {
  const week = sql`(date_trunc('week', (r.finished_at at time zone 'UTC') + interval '8 hours'))::date`;
  return sql<(Building & { week: string })[]>`
    with chosen as (
      select r.*, ${week}::text as week from responses r
      where r.campaign_id = ${campaignId} and r.voided_at is null
        ${where.week ? sql`and ${week} = ${where.week}::date` : sql``}
        ${where.before ? sql`and ${week} < ${where.before}::date` : sql``}
    ), answers as (
      select c.id, c.place_id, c.week, q.key as question, q.value #>> '{}' as answer
      from chosen c cross join jsonb_each(c.answers) q
      where q.key in ('env', 'overall') and q.value #>> '{}' <> '不清楚'
    ), per as (
      select place_id, week, count(*) filter (where answer in ('满意', '基本满意'))::int as positive,
        count(*) filter (where question = 'env')::int as "validEnv", count(*) filter (where question = 'overall')::int as "validOverall",
        sum(case answer when '满意' then 100 when '基本满意' then 60 else 0 end * case question when 'overall' then 2 else 1 end)::int as points,
        sum(case question when 'overall' then 2 else 1 end)::int as weight
      from answers group by place_id, week
    ), counted as (
      select place_id, week, count(*)::int as responses from chosen group by place_id, week
    ), homes as (
      select building_id, count(*)::int as households from households where county_id = ${countyId} and not vacant group by building_id
    )
    select c.place_id as building, p.path[3] as community, c.week, c.responses,
      coalesce(h.households, 0) as households,
      coalesce(a.positive, 0) as positive, coalesce(a."validEnv", 0) as "validEnv", coalesce(a."validOverall", 0) as "validOverall",
      coalesce(a.points, 0) as points, coalesce(a.weight, 0) as weight
    from counted c join places p on p.id = c.place_id
    left join per a on a.place_id = c.place_id and a.week = c.week
    left join homes h on h.building_id = c.place_id
    order by c.place_id, c.week`;
}

/** The weighted figure of some buildings: Σ H·p ÷ Σ H and Kish's n, as decision 004 defines them. */
function weighted(rows: Building[], score = false) {
  const merged = new Map<number, Building>();
  for (const r of rows) {
    const m = merged.get(r.building);
    if (!m) merged.set(r.building, { ...r });
    else {
      m.responses += r.responses;
      m.positive += r.positive;
      m.validEnv += r.validEnv;
      m.validOverall += r.validOverall;
      m.points += r.points;
      m.weight += r.weight;
    }
  }
  const valid = (b: Building) => b.validEnv + b.validOverall;
  // n of a building: its valid answers ÷ the questions with at least one valid answer there.
  const questions = (b: Building) => Number(b.validEnv > 0) + Number(b.validOverall > 0);
  const strata = [...merged.values()].filter((b) => b.households > 0 && valid(b) > 0);
  const H = strata.reduce((s, b) => s + b.households, 0);
  const rate = (b: Building) => (score ? b.points / 100 / b.weight : b.positive / valid(b));
  return {
    responses: [...merged.values()].reduce((s, b) => s + b.responses, 0),
    successes: [...merged.values()].reduce((s, b) => s + (score ? b.points / 100 : b.positive), 0),
    trials: [...merged.values()].reduce((s, b) => s + (score ? b.weight : valid(b)), 0),
    rate: H > 0 ? strata.reduce((s, b) => s + b.households * rate(b), 0) / H : null,
    n: H > 0 ? (H * H) / strata.reduce((s, b) => s + (b.households * b.households) / (valid(b) / questions(b)), 0) : 0,
  };
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await wholeCounty(countyId);
  const surveyId = await createSurvey({ id: null, countyId }, { title: "周趋势", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
  const communities = (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community'`).map(
    (r) => r.id,
  );
  const created = await createCampaign(
    { id: null, countyId },
    {
      code: "weekly",
      name: "weekly",
      surveyVersionId: versionId,
      opensAt: new Date("2026-01-01T00:00:00Z"),
      closesAt: new Date("2027-01-01T00:00:00Z"),
      duplicatePolicy: "unlimited",
      targetPlaceIds: communities,
    },
  );
  if ("problem" in created) throw new Error(created.problem);
  campaignId = created.id;
  const buildings = (
    await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'building' order by id`
  ).map((r) => r.id);
  edge = buildings.pop()!;
  // 2,400 responses over six weeks (from Monday 2026-03-02 in Beijing), as one bulk insert.
  const rng = mulberry32(2026);
  const pick = <T>(list: T[]) => list[Math.floor(rng() * list.length)];
  const start = Date.parse("2026-03-01T16:00:00Z");
  const rows = Array.from({ length: 2400 }, () => {
    const answers: Record<string, string> = {};
    if (rng() < 0.95) answers.env = pick(ENV);
    if (rng() < 0.9) answers.overall = pick(OVERALL);
    return { place: pick(buildings), answers, at: new Date(start + rng() * 6 * 7 * 86_400_000).toISOString() };
  });
  await insert(rows);
  // A deployed database has statistics (autovacuum analyzes after a bulk insert).
  await sql`analyze`;
});

async function trendMatches(placeId: number | null, score: boolean) {
  const campaign = await refresh();
  const trend = (await rateTrend(admin, { campaign, measure: score ? "score" : "satisfaction", placeId, gridId: null, minN: 1 }))!;
  const rows = await direct();
  expect(trend.weeks.length).toBeGreaterThan(5);
  for (const point of trend.weeks) {
    const inUnit = rows.filter((r) => r.week === point.week && (placeId === null || r.community === placeId || r.building === placeId));
    const expected = weighted(inUnit, score);
    expect(point.responses).toBe(expected.responses);
    expect(point.figure.counts.successes).toBeCloseTo(expected.successes, 9);
    expect(point.figure.counts.trials).toBe(expected.trials);
    if (expected.rate === null) expect(point.figure.weighted.rate).toBeNull();
    else expect(point.figure.weighted.rate).toBeCloseTo(expected.rate, 12);
    expect(point.figure.weighted.n).toBeCloseTo(expected.n, 9);
  }
  return trend;
}

async function bulletinMatches(query: Record<string, string>) {
  const page = await bulletinPage(admin, parseBulletinParams(new URLSearchParams({ campaign: "weekly", ...query })), new Date());
  if (page === "notFound" || !page.bulletin) throw new Error("no bulletin");
  const { bulletin } = page;
  const week = bulletin.week;
  const monday = (offset: number) => new Date(Date.parse(`${week}T00:00:00Z`) + offset * 7 * 86_400_000).toISOString().slice(0, 10);
  const cumulative = query.span !== "week";
  const now = await direct(cumulative ? { before: monday(1) } : { week });
  const before = await direct(cumulative ? { before: week } : { week: monday(-1) });
  expect(bulletin.level).toBe("community");
  for (const row of [bulletin.total, ...bulletin.rows]) {
    const inUnit = (rows: Building[]) => rows.filter((r) => row.unit.placeId === admin.scopePlaceId || r.community === row.unit.placeId);
    for (const [figure, expected, responses] of [
      [row.unit.figure, weighted(inUnit(now)), row.unit.responses],
      [row.previous.figure, weighted(inUnit(before)), row.previous.responses],
    ] as const) {
      expect(responses).toBe(expected.responses);
      expect(figure.counts.successes).toBe(expected.successes);
      expect(figure.counts.trials).toBe(expected.trials);
      if (expected.rate === null) expect(figure.weighted.rate).toBeNull();
      else expect(figure.weighted.rate).toBeCloseTo(expected.rate, 12);
      expect(figure.weighted.n).toBeCloseTo(expected.n, 9);
    }
  }
  return bulletin;
}

describe("trends and bulletins from the week tallies", () => {
  it("equal a direct count over the responses, week by week and cumulatively, for the county and a community", async () => {
    expect(await tallyDifferences(campaignId)).toBe(0);
    const [{ id: community }] = await sql<{ id: number }[]>`
      select p.path[3] as id from responses r join places p on p.id = r.place_id
      where r.campaign_id = ${campaignId} group by 1 order by count(*) desc limit 1`;
    const county = await trendMatches(null, false);
    expect(county.weeks.reduce((s, w) => s + w.responses, 0)).toBe(2400);
    await trendMatches(community, false);
    await trendMatches(null, true);
    const campaign = await refresh();
    // The last week (the totals less nothing, and less that week for the week before), a week
    // early in the campaign (its weeks summed), a week late in it (the totals less the weeks
    // after it), and a single week.
    const last = await bulletinMatches({ week: "" });
    expect(last.week).toBe(campaign.lastWeek);
    for (const week of ["2026-W11", "2026-W14"]) expect((await bulletinMatches({ week })).week).not.toBe(campaign.lastWeek);
    await bulletinMatches({ week: "2026-W14", span: "week" });
  }, 180_000);

  it("put 23:59 on a Sunday in Beijing in that week and 00:01 on Monday in the next, one submission at a time", async () => {
    for (const [answers, at] of [
      [{ env: "满意", overall: "满意" }, SUNDAY_2359],
      [{ env: "不满意", overall: "基本满意" }, MONDAY_0001],
    ] as const) {
      await insert([{ place: edge, answers, at }]);
    }
    expect(await tallyDifferences(campaignId)).toBe(0);
    const trend = await trendMatches(edge, false);
    const shown = trend.weeks
      .filter((w) => w.responses > 0)
      .map((w) => [w.week, w.responses, w.figure.counts.successes, w.figure.counts.trials]);
    expect(shown).toEqual([
      ["2026-03-23", 1, 2, 2],
      ["2026-03-30", 1, 1, 2],
    ]);
    await trendMatches(null, false);
    // The bulletin of the Sunday's week counts the first and not the second.
    await bulletinMatches({ week: "2026-W13" });
    await bulletinMatches({ week: "2026-W14", span: "week" });
  }, 180_000);

  it("take a voided response out of its week and of every later cumulative bulletin", async () => {
    const voided = await sql<{ id: string }[]>`
      select id::text from responses where campaign_id = ${campaignId} and voided_at is null
        and (place_id = ${edge} and finished_at = ${new Date(SUNDAY_2359)} or place_id <> ${edge} and id % 7 = 0)`;
    expect(voided.length).toBeGreaterThan(300);
    await sql`update responses set voided_at = now(), void_reason = 'test' where id = any(${voided.map((v) => v.id)}::bigint[])`;
    expect(await tallyDifferences(campaignId)).toBe(0);
    const trend = await trendMatches(edge, false);
    expect(trend.weeks.filter((w) => w.responses > 0).map((w) => w.week)).toEqual(["2026-03-30"]);
    await trendMatches(null, false);
    await trendMatches(null, true);
    await bulletinMatches({ week: "" });
    await bulletinMatches({ week: "2026-W11" });
    await bulletinMatches({ week: "2026-W14" });
    await bulletinMatches({ week: "2026-W13", span: "week" });
    // No answer of a voided-out week lingers as a zero in the tallies.
    const [{ zeros }] = await sql<{ zeros: number }[]>`
      select count(*)::int as zeros from response_tallies t, jsonb_each(t.answers) q, jsonb_each(q.value) a
      where t.campaign_id = ${campaignId} and (a.value)::integer = 0`;
    expect(zeros).toBe(0);
  }, 180_000);
});
