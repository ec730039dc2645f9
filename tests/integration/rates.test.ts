// The rates engine on a real PostgreSQL: tallies kept by triggers against a direct count, voiding,
// ISO weeks in Beijing time, weighting by households, the minimum n, and scope.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { wilsonAt, type MeasureKey, type RateLevel } from "~/domain/measures";
import { createCampaign } from "~/models/campaigns.server";
import { ALL_WEEKS, pickCampaign, type RateCampaign } from "~/domain/rate-engine";
import { listRateCampaigns, placeReport, rateTable, rateTrend, rebuildTallies, tallyDifferences } from "~/models/rates.server";
import type { ScopedUser } from "~/models/users.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { taggedQuestions } from "~/survey/tags";
import { commitSession } from "~/utils/session.server";
import { loader as apiLoader } from "~/routes/api.rates";
import { loader as placeLoader } from "~/routes/rates.$placeId";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { seedDemoResponses } from "../../db/seed/demo-responses";
import { CLIENT, placeId, signedIn } from "./helpers";
import { signIn } from "~/models/users.server";

const DEFINITION = {
  title: "测试问卷",
  pages: [
    {
      name: "p1",
      elements: [
        {
          type: "radiogroup",
          name: "env",
          title: "环境",
          measure: "satisfaction",
          isRequired: true,
          choices: ["满意", "基本满意", "不满意", "不清楚"],
          positiveAnswers: ["满意", "基本满意"],
          excludedAnswers: ["不清楚"],
          answerScores: { 满意: 100, 基本满意: 60, 不满意: 0 },
        },
        {
          type: "panel",
          name: "more",
          elements: [
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
        { type: "boolean", name: "know", title: "知道", measure: "awareness", positiveAnswers: [true] },
        { type: "comment", name: "free", title: "建议" },
      ],
    },
  ],
};

let countyId: number;
let admin: ScopedUser;
let campaign: RateCampaign;
let demo: RateCampaign;
let jinhu: number; // 锦湖社区
let building: number; // a building of 锦湖社区 that gets hand-made answers
let otherBuilding: number; // a building of another community
let clientKey = 0;

async function newCampaign(code: string, versionId: number, targets: number[]) {
  const created = await createCampaign(
    { id: null, countyId },
    {
      code,
      name: code,
      surveyVersionId: versionId,
      opensAt: new Date("2026-01-01T00:00:00Z"),
      closesAt: new Date("2027-12-31T00:00:00Z"),
      duplicatePolicy: "unlimited",
      targetPlaceIds: targets,
    },
  );
  if ("problem" in created) throw new Error(created.problem);
  return created.id;
}

type Answered = { place: number; answers: Record<string, unknown>; at?: string };

/** Inserts responses in one statement, as a bulk import does. */
async function respond(campaignId: number, rows: Answered[]) {
  const [c] = await sql<{ versionId: number }[]>`select survey_version_id as "versionId" from campaigns where id = ${campaignId}`;
  return sql<{ id: string }[]>`
    insert into responses ${sql(
      rows.map((r) => ({
        county_id: countyId,
        campaign_id: campaignId,
        survey_version_id: c.versionId,
        place_id: r.place,
        channel: "volunteer",
        answers: sql.json(r.answers as never),
        client_key: `test-key-${++clientKey}`,
        finished_at: new Date(r.at ?? "2026-11-10T03:00:00Z"),
      })) as never[],
    )} returning id::text`;
}

async function voidResponses(ids: string[]) {
  await sql`update responses set voided_at = now(), void_reason = 'test' where id = any(${ids}::bigint[])`;
}

const refresh = async (code: string) => pickCampaign(await listRateCampaigns(admin), code)!;
const table = (c: RateCampaign, measure: MeasureKey, level: RateLevel, minN = 30, source: "tallies" | "responses" = "tallies") =>
  rateTable(admin, { campaign: c, measure, level, range: ALL_WEEKS, minN, source });

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  admin = { countyId, scopePlaceId: root.id, scopeGridId: null };
  jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  [{ id: building }] = await sql<{ id: number }[]>`
    select id from places where level = 'building' and path @> array[${jinhu}]::int[] order by id limit 1`;
  [{ id: otherBuilding }] = await sql<{ id: number }[]>`
    select id from places where level = 'building' and not path @> array[${jinhu}]::int[] order by id limit 1`;
  const communities = (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community'`).map(
    (r) => r.id,
  );

  const surveyId = await createSurvey({ id: null, countyId }, { title: "测试问卷", kind: "household", draft: DEFINITION });
  const version = await publishSurvey({ id: null, countyId }, surveyId);
  const hand = await newCampaign("hand", version!.id, communities);
  // 10 responses in one building: env 满意 4, 基本满意 2, 不满意 2, 不清楚 1, none 1;
  // overall 满意 3, 基本满意 3, 不满意 4; know true 7, false 3.
  const env = ["满意", "满意", "满意", "满意", "基本满意", "基本满意", "不满意", "不满意", "不清楚", null];
  const overall = ["满意", "满意", "满意", "基本满意", "基本满意", "基本满意", "不满意", "不满意", "不满意", "不满意"];
  await respond(
    hand,
    env.map((e, i) => ({
      place: building,
      answers: { ...(e ? { env: e } : {}), overall: overall[i], know: i < 7, free: `意见 ${i}` },
    })),
  );
  campaign = await refresh("hand");

  const wave = await newCampaign("wave", version!.id, communities);
  await seedDemoResponses({ countyId, campaignId: wave, perBuilding: 6, seed: 7 });
  demo = await refresh("wave");
});

describe("tagged questions", () => {
  it("the database lists the same tagged questions as taggedQuestions(), for the test and every shipped template", async () => {
    const dir = path.resolve(__dirname, "../../surveys");
    const definitions = [
      DEFINITION,
      ...readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8"))),
    ];
    for (const definition of definitions) {
      const surveyId = await createSurvey({ id: null, countyId }, { title: "模板", kind: "other", draft: definition });
      const version = await publishSurvey({ id: null, countyId }, surveyId);
      const rows = await sql<{ name: string }[]>`select name from rate_questions where survey_version_id = ${version!.id} order by name`;
      expect(rows.map((r) => r.name)).toEqual(
        taggedQuestions(definition)
          .map((q) => q.name)
          .sort(),
      );
    }
  });
});

describe("a building's figures", () => {
  it("count positive answers over valid ones, pooled over the questions, with exclusions shown", async () => {
    const { units } = await table(campaign, "satisfaction", "building", 5);
    const b = units.find((u) => u.placeId === building)!;
    // env: 6 positive of 8 valid (不清楚 excluded, one unanswered); overall: 6 of 10.
    expect(b.figure.counts).toEqual({ successes: 12, trials: 18, valid: 18, excluded: 1, noAnswer: 1, questions: 2, n: 9 });
    expect(b.responses).toBe(10);
    expect(b.figure.plain.rate).toBeCloseTo(12 / 18, 12);
    const ci = wilsonAt(12 / 18, 9);
    expect(b.figure.plain.lower).toBeCloseTo(ci.lower, 12);
    expect(b.figure.plain.upper).toBeCloseTo(ci.upper, 12);
    // One building is one stratum: weighted = plain, at the same n.
    expect(b.figure.weighted.rate).toBeCloseTo(12 / 18, 12);
    expect(b.figure.weighted.n).toBeCloseTo(9, 12);
  });

  it("report each question, the score and awareness on the drill-down", async () => {
    const report = (await placeReport(admin, { campaign, placeId: building, measure: "satisfaction", range: ALL_WEEKS, minN: 5 }))!;
    const satisfaction = report.measures.find((m) => m.formula.measure === "satisfaction")!;
    expect(satisfaction.questions.map((q) => [q.name, q.figure.counts.successes, q.figure.counts.trials])).toEqual([
      ["env", 6, 8],
      ["overall", 6, 10],
    ]);
    expect(satisfaction.questions[0].answers).toEqual([
      { answer: "满意", count: 4 },
      { answer: "不满意", count: 2 },
      { answer: "基本满意", count: 2 },
      { answer: "不清楚", count: 1 },
    ]);
    // Score: env (4·100 + 2·60 + 2·0)/8 answers at weight 1, overall (3·100 + 3·60)/10 at weight 2:
    // (520 + 2·480) / (8 + 2·10) = 1480 / 28 = 52.857 points.
    const score = report.measures.find((m) => m.formula.measure === "score")!;
    expect(score.figure.plain.rate! * 100).toBeCloseTo(1480 / 28, 10);
    const awareness = report.measures.find((m) => m.formula.measure === "awareness")!;
    expect(awareness.figure.counts.successes).toBe(7);
    expect(awareness.figure.counts.trials).toBe(10);
  });
});

describe("tallies", () => {
  it("equal a direct count over the responses, and so do the figures at every level", async () => {
    expect(demo.responses).toBeGreaterThan(1500);
    expect(await tallyDifferences(demo.id)).toBe(0);
    expect(await tallyDifferences(campaign.id)).toBe(0);
    for (const level of ["community", "building", "grid", "unit"] as const) {
      for (const measure of ["satisfaction", "score"] as const) {
        expect(await table(demo, measure, level, 30, "tallies")).toEqual(await table(demo, measure, level, 30, "responses"));
      }
    }
    // A range of weeks reads the weekly tallies instead of the totals.
    const range = { from: demo.firstWeek, to: demo.lastWeek };
    const ranged = (source: "tallies" | "responses") =>
      rateTable(admin, { campaign: demo, measure: "satisfaction", level: "building", range, minN: 30, source });
    expect(await ranged("tallies")).toEqual(await ranged("responses"));
    expect((await ranged("tallies")).total.responses).toBeLessThan(demo.responses);
  });

  it("take voided responses out, at once and for good", async () => {
    const before = (await table(demo, "satisfaction", "community")).total;
    const voided = await sql<
      { id: string }[]
    >`select id::text from responses where campaign_id = ${demo.id} and voided_at is null order by id limit 25`;
    await voidResponses(voided.map((r) => r.id));
    const after = (await table(demo, "satisfaction", "community")).total;
    expect(after.responses).toBe(before.responses - 25);
    expect(await tallyDifferences(demo.id)).toBe(0);
    // Voiding twice is refused by the append-only rule and changes nothing.
    await expect(voidResponses(voided.slice(0, 1).map((r) => r.id))).rejects.toThrow(/never edited/);
    expect((await table(demo, "satisfaction", "community")).total.responses).toBe(after.responses);
  });

  it("stay exact under concurrent single submissions to the same building and week", async () => {
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        respond(campaign.id, [{ place: otherBuilding, answers: { env: i % 3 ? "满意" : "不满意", overall: "满意" } }]),
      ),
    );
    expect(await tallyDifferences(campaign.id)).toBe(0);
    const b = (await table(await refresh("hand"), "satisfaction", "building", 5)).units.find((u) => u.placeId === otherBuilding)!;
    expect(b.responses).toBe(24);
    expect(b.figure.counts.successes).toBe(16 + 24);
  });

  it("can be rebuilt from the responses", async () => {
    await sql`
      update response_tallies set answers = jsonb_set(answers, '{env,满意}', to_jsonb((answers->'env'->>'满意')::integer + 5))
      where campaign_id = ${demo.id} and answers->'env' ? '满意'`;
    expect(await tallyDifferences(demo.id)).toBeGreaterThan(0);
    await rebuildTallies(demo.id);
    expect(await tallyDifferences(demo.id)).toBe(0);
  });
});

describe("weeks", () => {
  it("follow the Beijing calendar: Sunday 16:30 UTC is already Monday's week", async () => {
    const communities = (await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community'`).map(
      (r) => r.id,
    );
    const [{ versionId }] = await sql<
      { versionId: number }[]
    >`select survey_version_id as "versionId" from campaigns where id = ${campaign.id}`;
    const id = await newCampaign("weeks", versionId, communities);
    await respond(id, [
      { place: building, answers: { env: "满意" }, at: "2026-03-01T15:59:00Z" }, // Sunday 23:59 in Beijing
      { place: building, answers: { env: "不满意" }, at: "2026-03-01T16:30:00Z" }, // Monday 00:30 in Beijing
      { place: building, answers: { env: "满意" }, at: "2026-03-17T02:00:00Z" },
    ]);
    const weeks = await refresh("weeks");
    expect([weeks.firstWeek, weeks.lastWeek]).toEqual(["2026-02-23", "2026-03-16"]);
    const trend = (await rateTrend(admin, { campaign: weeks, measure: "satisfaction", placeId: building, gridId: null, minN: 1 }))!;
    expect(trend.weeks.map((w) => [w.week, w.responses, w.figure.counts.successes])).toEqual([
      ["2026-02-23", 1, 1],
      ["2026-03-02", 1, 0],
      ["2026-03-09", 0, 0],
      ["2026-03-16", 1, 1],
    ]);
    const range = await rateTable(admin, {
      campaign: weeks,
      measure: "satisfaction",
      level: "building",
      range: { from: "2026-03-02", to: "2026-03-16" },
      minN: 1,
    });
    expect(range.units.find((u) => u.placeId === building)!.responses).toBe(1);
  });
});

describe("roll-up", () => {
  it("weights each building by its non-vacant households, beside the plain pooled rate", async () => {
    // An independent computation: per building, positive and valid satisfaction answers counted
    // straight from the responses, and the building's non-vacant households from the register.
    const rows = await sql<{ households: number; positive: number; valid: number; questions: number }[]>`
      with answers as (
        select r.place_id, q.key as question, q.value #>> '{}' as answer
        from responses r cross join jsonb_each(r.answers) q
        where r.campaign_id = ${demo.id} and r.voided_at is null and q.key in ('env', 'overall') and q.value #>> '{}' <> '不清楚'
      )
      select (select count(*)::int from households h where h.building_id = a.place_id and not h.vacant) as households,
        count(*) filter (where answer in ('满意', '基本满意'))::int as positive, count(*)::int as valid,
        count(distinct question)::int as questions
      from answers a join places p on p.id = a.place_id
      where p.path @> array[${jinhu}]::int[]
      group by a.place_id`;
    const H = rows.reduce((s, r) => s + r.households, 0);
    const expected = rows.reduce((s, r) => s + (r.households * r.positive) / r.valid, 0) / H;
    const kish = (H * H) / rows.reduce((s, r) => s + (r.households * r.households) / (r.valid / r.questions), 0);
    const plain = rows.reduce((s, r) => s + r.positive, 0) / rows.reduce((s, r) => s + r.valid, 0);

    const community = (await table(demo, "satisfaction", "community")).units.find((u) => u.placeId === jinhu)!;
    expect(community.figure.weighted.rate).toBeCloseTo(expected, 12);
    expect(community.figure.weighted.n).toBeCloseTo(kish, 9);
    expect(community.figure.plain.rate).toBeCloseTo(plain, 12);
    expect(community.figure.weighted.rate).not.toBeCloseTo(plain, 4);
    const [{ households }] = await sql<{ households: number }[]>`
      select count(*)::int as households from households where path @> array[${jinhu}]::int[] and not vacant`;
    expect(community.households).toBe(households);
  });

  it("greys figures under the minimum n and never ranks them", async () => {
    const { units } = await table(demo, "satisfaction", "building", 30);
    const small = units.filter((u) => u.figure.weighted.n < 30);
    expect(small.length).toBeGreaterThan(0);
    for (const u of small) expect([u.figure.belowMinimum, u.rank]).toEqual([true, null]);
    const ranked = units.filter((u) => u.rank !== null).sort((a, b) => a.rank! - b.rank!);
    for (let i = 1; i < ranked.length; i++)
      expect(ranked[i - 1].figure.weighted.rate!).toBeGreaterThanOrEqual(ranked[i].figure.weighted.rate!);
    const lenient = await table(demo, "satisfaction", "building", 1);
    expect(lenient.units.filter((u) => u.rank !== null).length).toBeGreaterThan(ranked.length);
  });

  it("applies the minimum to the effective n printed beside the ranked (weighted) figure, at every level", async () => {
    let weightedOnlySmall = 0;
    for (const level of ["street", "community", "compound", "building", "grid", "unit"] as const) {
      const { units } = await table(demo, "satisfaction", level, 30);
      for (const u of units) {
        const n = u.figure.weighted.n;
        expect([u.figure.belowMinimum, u.rank === null || n >= 30]).toEqual([n < 30, true]);
        if (n < 30 && u.figure.plain.n >= 30) weightedOnlySmall += 1;
      }
    }
    // The demo has compounds whose respondents reach 30 but whose effective n does not: the case
    // that used to be ranked.
    expect(weightedOnlySmall).toBeGreaterThan(0);
  });

  it("the demo data has one community clearly below 85% and one clearly above", async () => {
    const { units } = await table(demo, "satisfaction", "community");
    const below = units.filter((u) => u.figure.weighted.upper < 0.85).map((u) => u.name);
    const above = units.filter((u) => u.figure.weighted.lower > 0.85).map((u) => u.name);
    expect(below).toContain("柳荫社区");
    expect(above).toContain("东苑社区");
  });
});

describe("scope", () => {
  it("community staff see their community's figures only", async () => {
    const user = await signedIn("community", DEMO_PASSWORD);
    expect(user.scopePlaceId).toBe(jinhu);
    const [mine] = await listRateCampaigns(user).then((cs) => cs.filter((c) => c.code === "wave"));
    const { total, units, levels } = await rateTable(user, {
      campaign: mine,
      measure: "satisfaction",
      level: "county",
      range: ALL_WEEKS,
      minN: 30,
    });
    expect(levels).not.toContain("county");
    expect(levels).not.toContain("street");
    expect(total.placeId).toBe(jinhu);
    expect(units.map((u) => u.placeId)).toEqual([jinhu]);
    const county = (await table(demo, "satisfaction", "community")).units.find((u) => u.placeId === jinhu)!;
    expect(total.figure).toEqual(county.figure);
    expect(mine.responses).toBe(county.responses);
    const buildings = await rateTable(user, { campaign: mine, measure: "satisfaction", level: "building", range: ALL_WEEKS, minN: 30 });
    const inside = await sql<{ id: number }[]>`select id from places where level = 'building' and path @> array[${jinhu}]::int[]`;
    expect(new Set(buildings.units.map((u) => u.placeId))).toEqual(new Set(inside.map((r) => r.id)));
    expect(
      await placeReport(user, { campaign: mine, placeId: otherBuilding, measure: "satisfaction", range: ALL_WEEKS, minN: 30 }),
    ).toBeNull();
  });

  it("a grid leader sees the grid and its buildings", async () => {
    const user = await signedIn("grid", DEMO_PASSWORD);
    const [mine] = (await listRateCampaigns(user)).filter((c) => c.code === "wave");
    const table = await rateTable(user, { campaign: mine, measure: "satisfaction", level: null, range: ALL_WEEKS, minN: 30 });
    expect(table.levels).toEqual(["grid", "building"]);
    expect(table.total.gridId).toBe(user.scopeGridId);
    const gridBuildings = await sql<{ id: number }[]>`select building_id as id from grid_buildings where grid_id = ${user.scopeGridId}`;
    expect(new Set(table.units.map((u) => u.placeId))).toEqual(new Set(gridBuildings.map((r) => r.id)));
  });

  it("the pages and the API answer 404 outside the scope, and the API gives the table's numbers", async () => {
    const session = await signIn("community", DEMO_PASSWORD, CLIENT);
    if (!session.ok) throw new Error("sign-in failed");
    const cookie = (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
    const get = (url: string) => new Request(`http://test${url}`, { headers: { Cookie: cookie } });
    const args = { context: { cspNonce: "", clientIp: null } };
    await expect(
      placeLoader({ request: get(`/rates/${otherBuilding}?campaign=wave`), params: { placeId: String(otherBuilding) }, ...args }),
    ).rejects.toMatchObject({ status: 404 });
    const ok = await placeLoader({ request: get(`/rates/${building}?campaign=wave`), params: { placeId: String(building) }, ...args });
    expect(ok.report.place.id).toBe(building);

    const response = await apiLoader({
      request: get("/api/rates?campaign=wave&measure=satisfaction&level=building&minN=30"),
      params: {},
      ...args,
    });
    const body = await response.json();
    expect(body.level).toBe("building");
    const inside = await sql<{ id: number }[]>`select id from places where level = 'building' and path @> array[${jinhu}]::int[]`;
    expect(body.units.map((u: { placeId: number }) => u.placeId).sort()).toEqual(inside.map((r) => r.id).sort());
    const user = await signedIn("community", DEMO_PASSWORD);
    const [mine] = (await listRateCampaigns(user)).filter((c) => c.code === "wave");
    const expected = await rateTable(user, { campaign: mine, measure: "satisfaction", level: "building", range: ALL_WEEKS, minN: 30 });
    expect(body.total.weighted).toEqual(expected.total.figure.weighted);
  });

  it("the API answers a signed-out caller with JSON 401, not a redirect to the sign-in page", async () => {
    const thrown = await apiLoader({
      request: new Request("http://test/api/rates"),
      params: {},
      context: { cspNonce: "", clientIp: null },
    }).catch((r) => r);
    expect(thrown.status).toBe(401);
    expect(await thrown.json()).toMatchObject({ error: "not signed in" });
  });
});
