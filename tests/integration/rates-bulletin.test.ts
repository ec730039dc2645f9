// The weekly bulletin, the wave comparison, the sample planner, the seeded draw and the forecast,
// on the demo county with generated answers.
import { readFileSync } from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { addWeeks, compareWeighted, statusFor } from "~/domain/measures";
import { parseBulletinParams } from "~/domain/rate-params";
import { sampleSize } from "~/domain/stats";
import { createCampaign, setCampaignState } from "~/models/campaigns.server";
import { drawMockSample, forecastPoints, samplePlan } from "~/models/planning.server";
import { ALL_WEEKS, pickCampaign } from "~/domain/rate-engine";
import { bulletinPage, compareWaves, listRateCampaigns, rateTable } from "~/models/rates.server";
import type { ScopedUser } from "~/models/users.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { signIn } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { loader as xlsxLoader } from "~/routes/bulletin.xlsx";
import { loader as sampleLoader } from "~/routes/planning.sample";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { seedDemoResponses } from "../../db/seed/demo-responses";
import { CLIENT, placeId } from "./helpers";

let countyId: number;
let admin: ScopedUser;
let communities: number[];

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  admin = { countyId, scopePlaceId: root.id, scopeGridId: null };
  communities = (
    await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'community' order by sort_order, id`
  ).map((r) => r.id);
  const definition = JSON.parse(readFileSync(path.resolve(__dirname, "../../surveys/household-satisfaction.json"), "utf8"));
  const surveyId = await createSurvey({ id: null, countyId }, { title: "入户问卷", kind: "household", draft: definition });
  const version = await publishSurvey({ id: null, countyId }, surveyId);
  for (const [code, seed, opens] of [
    ["spring", 11, "2026-03-01"],
    ["autumn", 12, "2026-09-01"],
  ] as const) {
    const created = await createCampaign(
      { id: null, countyId },
      {
        code,
        name: code,
        surveyVersionId: version!.id,
        opensAt: new Date(`${opens}T00:00:00Z`),
        closesAt: new Date("2027-12-31T00:00:00Z"),
        duplicatePolicy: "unlimited",
        targetPlaceIds: communities,
      },
    );
    if ("problem" in created) throw new Error(created.problem);
    await seedDemoResponses({ countyId, campaignId: created.id, perBuilding: 6, seed });
  }
});

async function cookie(username: string) {
  const session = await signIn(username, DEMO_PASSWORD, CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  return (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
}

describe("bulletin", () => {
  it("ranks communities for a week with red/yellow/green against the target and the change since the week before", async () => {
    const campaigns = await listRateCampaigns(admin);
    const autumn = pickCampaign(campaigns, "autumn")!;
    const week = autumn.lastWeek!;
    const page = await bulletinPage(
      admin,
      parseBulletinParams(new URLSearchParams({ campaign: "autumn", week: "", span: "cumulative", target: "85" })),
      new Date(),
    );
    if (page === "notFound" || !page.bulletin) throw new Error("no bulletin");
    const { bulletin } = page;
    expect(bulletin.level).toBe("community");
    expect(bulletin.rows).toHaveLength(7);
    expect(page.levels).toEqual(["street", "community", "compound", "building", "grid", "unit"]);
    // Cumulative up to the end of the week shown = the same figures as the rates table for that range.
    const table = await rateTable(admin, {
      campaign: autumn,
      measure: "satisfaction",
      level: "community",
      range: { from: null, to: addWeeks(bulletin.week, 1) },
      minN: 30,
    });
    for (const row of bulletin.rows) {
      const same = table.units.find((u) => u.key === row.unit.key)!;
      expect(row.unit.figure).toEqual(same.figure);
      expect(row.status).toBe(same.figure.belowMinimum ? null : statusFor(same.figure.weighted, 0.85));
      expect(row.change).toEqual(compareWeighted(row.unit.figure, row.previous.figure));
      expect(row.change!.difference).toBeCloseTo(row.unit.figure.weighted.rate! - row.previous.figure.weighted.rate!, 14);
    }
    expect(bulletin.week <= week).toBe(true);
    const statuses = bulletin.rows.map((r) => r.status);
    expect(statuses).toContain("red");
    expect(statuses).toContain("green");
    // Ranked ones first, by weighted rate.
    const ranks = bulletin.rows.map((r) => r.unit.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => (a ?? 99) - (b ?? 99)));
  });

  it("ranks grids and responsible units too, and a week alone has fewer responses than the cumulative view", async () => {
    const weekly = await bulletinPage(
      admin,
      parseBulletinParams(new URLSearchParams({ campaign: "autumn", level: "unit", span: "week" })),
      new Date(),
    );
    const total = await bulletinPage(
      admin,
      parseBulletinParams(new URLSearchParams({ campaign: "autumn", level: "unit", span: "cumulative" })),
      new Date(),
    );
    if (weekly === "notFound" || total === "notFound") throw new Error("no bulletin");
    expect(weekly.bulletin!.level).toBe("unit");
    const units = await sql<
      { unit: string }[]
    >`select distinct responsible_unit as unit from grids where county_id = ${countyId} and responsible_unit is not null`;
    expect(weekly.bulletin!.rows.map((r) => r.unit.name).sort()).toEqual(units.map((u) => u.unit).sort());
    expect(weekly.bulletin!.total.unit.responses).toBeLessThan(total.bulletin!.total.unit.responses);
  });

  it("exports the ranking as XLSX with Chinese headers, and records the export", async () => {
    const c = await cookie("admin");
    const request = new Request("http://test/bulletin/xlsx?campaign=autumn&span=cumulative", { headers: { Cookie: c } });
    const response = await xlsxLoader({ request, params: {}, context: { cspNonce: "", clientIp: "127.0.0.1" } });
    expect(response.headers.get("Content-Type")).toMatch(/spreadsheetml/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(1).getCell(1).value).toBe("名次");
    expect(sheet.getRow(1).getCell(4).value).toBe("满意率（加权，%）");
    expect(sheet.getRow(2).getCell(1).value).toBe("合计");
    expect(sheet.rowCount).toBe(1 + 1 + 7);
    expect(String(workbook.worksheets[1].getRow(7).getCell(2).value)).toMatch(/^满意率 = 正向回答数 ÷ 有效回答数/);
    const [audit] = await sql<{ action: string }[]>`select action from audit_log where county_id = ${countyId} order by id desc limit 1`;
    expect(audit.action).toBe("bulletin.export");
  });
});

describe("bulletin change", () => {
  it("is the difference of the two printed rates on every row, at two levels and both spans, in the XLSX", async () => {
    const c = await cookie("admin");
    let rows = 0;
    for (const level of ["community", "grid"]) {
      for (const span of ["week", "cumulative"]) {
        const request = new Request(`http://test/bulletin/xlsx?campaign=autumn&level=${level}&span=${span}&minN=5`, {
          headers: { Cookie: c },
        });
        const response = await xlsxLoader({ request, params: {}, context: { cspNonce: "", clientIp: "127.0.0.1" } });
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(await response.arrayBuffer());
        const sheet = workbook.worksheets[0];
        const header = (sheet.getRow(1).values as unknown[]).map(String);
        const [now, last, change] = [
          header.findIndex((h) => /^满意率（加权/.test(h)),
          header.findIndex((h) => /^上周/.test(h)),
          header.indexOf("变化（百分点）"),
        ];
        expect([now, last, change].every((i) => i > 0)).toBe(true);
        sheet.eachRow((row, i) => {
          if (i === 1 || row.getCell(now).value === null) return;
          const [a, b, d] = [row.getCell(now).value, row.getCell(last).value, row.getCell(change).value] as (number | null)[];
          if (b === null) return expect(d).toBeNull();
          rows += 1;
          expect(d).toBeCloseTo(a! - b, 9);
        });
      }
    }
    expect(rows).toBeGreaterThan(40);
  });
});

describe("wave comparison", () => {
  it("tests this wave against the other, unit by unit, on the weighted rates", async () => {
    const campaigns = await listRateCampaigns(admin);
    const [autumn, spring] = [pickCampaign(campaigns, "autumn")!, pickCampaign(campaigns, "spring")!];
    const result = await compareWaves(admin, { campaign: autumn, other: spring, measure: "satisfaction", level: "community", minN: 30 });
    expect(result.rows).toHaveLength(7);
    for (const row of [result.total, ...result.rows]) {
      expect(row.comparison).toEqual(compareWeighted(row.unit.figure, row.other.figure));
      expect(row.comparison!.difference).toBeCloseTo(row.unit.figure.weighted.rate! - row.other.figure.weighted.rate!, 14);
    }
  });
});

describe("planning", () => {
  it("needs Cochran's sample per community and compound, and compares it with the effective n of the rates", async () => {
    const autumn = pickCampaign(await listRateCampaigns(admin), "autumn")!;
    for (const level of ["community", "compound"] as const) {
      const plan = await samplePlan(admin, { margin: 0.05, confidence: 0.95, p: 0.5, campaign: autumn, level });
      const table = await rateTable(admin, { campaign: autumn, measure: "satisfaction", level, range: ALL_WEEKS, minN: 30 });
      expect(plan.map((p) => p.placeId)).toEqual(table.units.map((u) => u.placeId));
      for (const row of plan) {
        const [{ households, collected }] = await sql<{ households: number; collected: number }[]>`
          select (select count(*)::int from households where path @> array[${row.placeId}]::int[] and not vacant) as households,
                 (select count(*)::int from responses r where r.campaign_id = ${autumn.id} and r.voided_at is null and r.path @> array[${row.placeId}]::int[]) as collected`;
        const unit = table.units.find((u) => u.placeId === row.placeId)!;
        expect(row).toMatchObject({ households, collected, needed: sampleSize({ margin: 0.05, population: households }) });
        // The plan's n is the one printed beside the rate.
        expect(row.effective).toBe(unit.figure.weighted.n);
        if (row.effective < row.needed) expect(row.remaining).toBeGreaterThan(0);
      }
      if (level === "community") {
        // The demo's communities have more responses than their effective n: counting responses
        // would say "nothing missing" where the intervals are still too wide.
        expect(plan.some((p) => p.collected >= p.needed && p.effective < p.needed && p.remaining > 0)).toBe(true);
      }
    }
  });

  it("draws the same households for the same seed, non-vacant and inside each community, independent of the others drawn", async () => {
    const [a, b] = communities;
    const options = { margin: 0.05, confidence: 0.95, p: 0.5, seed: 20260317 };
    const first = await drawMockSample(admin, { ...options, communityIds: [a, b] });
    const again = await drawMockSample(admin, { ...options, communityIds: [a, b] });
    expect(again).toEqual(first);
    const alone = await drawMockSample(admin, { ...options, communityIds: [b] });
    const inB = (d: typeof first) => d.households.filter((h) => h.community === alone.communities[0].name).map((h) => h.householdId);
    expect(inB(alone)).toEqual(inB(first));
    for (const c of first.communities) expect(c.drawn).toBe(c.needed);
    const ids = first.households.map((h) => h.householdId);
    expect(new Set(ids).size).toBe(ids.length);
    const [{ bad }] = await sql<{ bad: number }[]>`
      select count(*)::int as bad from households
      where id = any(${ids}::int[]) and (vacant or not (path && ${[a, b]}::int[]))`;
    expect(bad).toBe(0);
    const other = await drawMockSample(admin, { ...options, seed: 20260318, communityIds: [a, b] });
    expect(other.households.map((h) => h.householdId)).not.toEqual(ids);
  });

  it("downloads the draw as CSV (UTF-8 with BOM, Chinese headers), only inside the user's scope", async () => {
    const c = await cookie("community");
    const jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
    const request = new Request(`http://test/planning/sample?seed=42&format=csv&community=${communities.join("&community=")}`, {
      headers: { Cookie: c },
    });
    const response = await sampleLoader({ request, params: {}, context: { cspNonce: "", clientIp: null } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith("序号,街道,社区,小区,楼栋,单元,房号,抽中顺序")).toBe(true);
    const rows = text.trim().split("\r\n").slice(1);
    const [{ households }] = await sql<
      { households: number }[]
    >`select count(*)::int as households from households where path @> array[${jinhu}]::int[] and not vacant`;
    expect(rows).toHaveLength(sampleSize({ margin: 0.05, population: households }));
    expect(rows.every((r) => r.split(",")[2] === "锦湖社区")).toBe(true);
  });

  it("defuses formula-like place names in the CSV and keeps them as text in the XLSX", async () => {
    const c = await cookie("community");
    const jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
    const [{ street }] = await sql<{ street: number }[]>`select path[2] as street from places where id = ${jinhu}`;
    const rename = (name: string) => sql`update places set name = ${name} where id = ${street}`;
    await rename("=1+1");
    try {
      const url = `http://test/planning/sample?seed=42&community=${jinhu}`;
      const csv = await sampleLoader({
        request: new Request(`${url}&format=csv`, { headers: { Cookie: c } }),
        params: {},
        context: { cspNonce: "", clientIp: null },
      });
      const rows = new TextDecoder()
        .decode(await csv.arrayBuffer())
        .trim()
        .split("\r\n")
        .slice(1);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.split(",")[1] === "'=1+1")).toBe(true);
      const xlsx = await sampleLoader({
        request: new Request(url, { headers: { Cookie: c } }),
        params: {},
        context: { cspNonce: "", clientIp: null },
      });
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await xlsx.arrayBuffer());
      const cell = workbook.worksheets[0].getCell(2, 2);
      expect([cell.type, cell.value]).toEqual([ExcelJS.ValueType.String, "=1+1"]);
    } finally {
      await rename("禾城街道");
    }
  });
});

describe("forecast", () => {
  it("gives 37 × the weighted satisfaction rate, with the interval carried over; deductions below 90%", async () => {
    const autumn = pickCampaign(await listRateCampaigns(admin), "autumn")!;
    const proportional = await forecastPoints(admin, {
      campaign: autumn,
      basis: "satisfaction",
      override: {},
      maxPoints: 37,
      scoring: { kind: "proportional" },
      minN: 30,
    });
    const w = proportional.total.unit.figure.weighted;
    expect(proportional.total.forecast).toEqual({ points: 37 * w.rate!, lower: 37 * w.lower, upper: 37 * w.upper, maxPoints: 37 });
    expect(proportional.rows).toHaveLength(7);
    const deduction = await forecastPoints(admin, {
      campaign: autumn,
      basis: "satisfaction",
      override: {},
      maxPoints: 37,
      scoring: { kind: "deduction", full: 0.9, perPoint: 1 },
      minN: 30,
    });
    expect(deduction.total.forecast!.points).toBeCloseTo(Math.max(0, 37 - Math.max(0, 0.9 - w.rate!) * 100), 10);
  });

  it("scores with the questionnaire's points unless overridden", async () => {
    const autumn = pickCampaign(await listRateCampaigns(admin), "autumn")!;
    const base = await forecastPoints(admin, {
      campaign: autumn,
      basis: "score",
      override: {},
      maxPoints: 37,
      scoring: { kind: "proportional" },
      minN: 30,
    });
    const generous = await forecastPoints(admin, {
      campaign: autumn,
      basis: "score",
      override: { scores: { sat_environment: { 基本满意: 100 } } },
      maxPoints: 37,
      scoring: { kind: "proportional" },
      minN: 30,
    });
    expect(generous.total.forecast!.points).toBeGreaterThan(base.total.forecast!.points);
  });
});

describe("default campaign", () => {
  it("is the open campaign with the most responses, not a newer one with two answers", async () => {
    const [building] = await sql<
      { id: number }[]
    >`select id from places where county_id = ${countyId} and level = 'building' order by id limit 1`;
    const survey = (await listRateCampaigns(admin)).find((c) => c.code === "autumn")!;
    const [{ versionId }] = await sql<
      { versionId: number }[]
    >`select survey_version_id as "versionId" from campaigns where code = 'autumn'`;
    const fresh = await createCampaign(
      { id: null, countyId },
      {
        code: "fresh",
        name: "fresh",
        surveyVersionId: versionId,
        opensAt: new Date("2026-11-01T00:00:00Z"),
        closesAt: new Date("2027-12-31T00:00:00Z"),
        duplicatePolicy: "unlimited",
        targetPlaceIds: [building.id],
      },
    );
    if ("problem" in fresh) throw new Error(fresh.problem);
    await seedDemoResponses({ countyId, campaignId: fresh.id, perBuilding: 1, seed: 13, weeksBack: 1 });
    const autumnId = (await sql<{ id: number }[]>`select id from campaigns where code = 'autumn'`)[0].id;
    // Nothing open: the campaign with the most responses (autumn and spring have ~2,400 each).
    const closed = await listRateCampaigns(admin);
    expect(closed[0].code).toBe("fresh");
    const most = closed.reduce((a, b) => (b.responses > a.responses ? b : a));
    expect(pickCampaign(closed)!.code).toBe(most.code);
    expect(survey.responses).toBeGreaterThan(1000);
    // Both open: the one with the most responses, although the fresh one is newer.
    await setCampaignState(countyId, fresh.id, "open");
    await setCampaignState(countyId, autumnId, "open");
    const open = await listRateCampaigns(admin);
    expect(open.find((c) => c.code === "fresh")!.responses).toBeLessThan(5);
    expect(pickCampaign(open)!.code).toBe("autumn");
    // The fresh campaign's headline is greyed, as its table rows are.
    const tiny = await rateTable(admin, {
      campaign: pickCampaign(open, "fresh")!,
      measure: "satisfaction",
      level: null,
      range: ALL_WEEKS,
      minN: 30,
    });
    expect(tiny.total.figure.belowMinimum).toBe(true);
  });
});
