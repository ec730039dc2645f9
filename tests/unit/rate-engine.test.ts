// The rates engine without a database: a small register, hand-counted answers, and the figures,
// rankings, levels and defaults the pages show.
import { describe, expect, it } from "vitest";
import {
  buildRegister,
  bulletinFrom,
  bulletinLevels,
  chooseCampaign,
  defaultBulletinWeek,
  levelsFor,
  observe,
  pickCampaign,
  questionnaireStrata,
  questionnaireTable,
  trendUnit,
  type RateCampaign,
  type RegisterRows,
} from "~/domain/rate-engine";
import { formulaFor, wilsonAt } from "~/domain/measures";

// County 1 → street 2 → community 3 → compounds 4 (buildings 6, 7) and 5 (building 8).
const rows: RegisterRows = {
  places: [
    { id: 1, name: "县", level: "county", path: [1], sortOrder: 0 },
    { id: 2, name: "街道", level: "street", path: [1, 2], sortOrder: 0 },
    { id: 3, name: "社区", level: "community", path: [1, 2, 3], sortOrder: 0 },
    { id: 5, name: "乙小区", level: "compound", path: [1, 2, 3, 5], sortOrder: 2 },
    { id: 4, name: "甲小区", level: "compound", path: [1, 2, 3, 4], sortOrder: 1 },
    { id: 6, name: "1号楼", level: "building", path: [1, 2, 3, 4, 6], sortOrder: 0 },
    { id: 7, name: "2号楼", level: "building", path: [1, 2, 3, 4, 7], sortOrder: 1 },
    { id: 8, name: "1号楼", level: "building", path: [1, 2, 3, 5, 8], sortOrder: 0 },
  ],
  households: [
    { buildingId: 6, households: 100 },
    { buildingId: 7, households: 50 },
    { buildingId: 8, households: 200 },
  ],
  grids: [
    { id: 9, name: "第1网格", unit: "城管局", communityId: 3, buildingId: 6 },
    { id: 9, name: "第1网格", unit: "城管局", communityId: 3, buildingId: 7 },
  ],
};

const county = buildRegister(rows, { scopePlaceId: 1, scopeGridId: null });
const community = buildRegister({ ...rows, places: rows.places.filter((p) => p.path.includes(3)) }, { scopePlaceId: 3, scopeGridId: null });

const campaign = (over: Partial<RateCampaign> = {}): RateCampaign => ({
  id: 1,
  code: "c",
  name: "c",
  surveyId: 1,
  surveyTitle: "入户问卷",
  version: 1,
  opensAt: new Date("2026-10-01T00:00:00Z"),
  closesAt: new Date("2026-12-31T00:00:00Z"),
  state: "open",
  responses: 10,
  firstWeek: "2026-10-05",
  lastWeek: "2026-11-30",
  tagged: [
    {
      name: "sat",
      title: "满意吗",
      measure: "satisfaction",
      positiveAnswers: ["满意", "基本满意"],
      excludedAnswers: ["不清楚"],
      answerScores: {},
      weight: 1,
    },
  ],
  measures: ["satisfaction"],
  ...over,
});

// Building 6: 8 of 10 satisfied; building 7: 1 of 4 (and one 不清楚); building 8: 30 of 40.
const observed = observe(
  [
    { placeId: 6, responses: 10 },
    { placeId: 7, responses: 5 },
    { placeId: 8, responses: 40 },
  ],
  [
    { placeId: 6, question: "sat", answer: "满意", count: 8 },
    { placeId: 6, question: "sat", answer: "不满意", count: 2 },
    { placeId: 7, question: "sat", answer: "基本满意", count: 1 },
    { placeId: 7, question: "sat", answer: "不满意", count: 3 },
    { placeId: 7, question: "sat", answer: "不清楚", count: 1 },
    { placeId: 8, question: "sat", answer: "满意", count: 30 },
    { placeId: 8, question: "sat", answer: "不满意", count: 10 },
  ],
).get("")!;

describe("register", () => {
  it("keeps the register's order and adds households up the tree", () => {
    expect(county.ordered.map((p) => p.id)).toEqual([1, 2, 3, 4, 6, 7, 5, 8]);
    expect([1, 3, 4, 5].map((id) => county.places.get(id)!.households)).toEqual([350, 350, 150, 200]);
    expect(county.gridOfBuilding.get(7)?.name).toBe("第1网格");
  });

  it("offers the levels of the scope, and the bulletin only those below it", () => {
    expect(levelsFor(county)).toEqual(["county", "street", "community", "compound", "building", "grid", "unit"]);
    expect(bulletinLevels(county)).toEqual(["street", "community", "compound", "building", "grid", "unit"]);
    expect(levelsFor(community)).toEqual(["community", "compound", "building", "grid"]);
    expect(bulletinLevels(community)).toEqual(["compound", "building", "grid"]);
  });
});

describe("tables", () => {
  const table = questionnaireTable(county, observed, { campaign: campaign(), measure: "satisfaction", level: "compound", minN: 5 });

  it("weights buildings by households and counts respondents whole", () => {
    const [jia, yi] = table.units;
    expect(jia.name).toBe("甲小区");
    // (100 · 0.8 + 50 · 0.25) / 150 = 0.61667; Kish n = 150² / (100²/10 + 50²/4) = 13.85.
    expect(jia.figure.weighted.rate).toBeCloseTo(92.5 / 150, 12);
    expect(jia.figure.weighted.n).toBeCloseTo(150 ** 2 / (100 ** 2 / 10 + 50 ** 2 / 4), 12);
    expect(jia.figure.weighted.lower).toBeCloseTo(wilsonAt(92.5 / 150, jia.figure.weighted.n).lower, 12);
    expect(jia.responses).toBe(15);
    expect(jia.figure.counts).toMatchObject({ successes: 9, trials: 14, excluded: 1 });
    expect(yi.figure.weighted.rate).toBeCloseTo(0.75, 12);
    expect(table.total.responses).toBe(55);
  });

  it("ranks on the effective n printed: a minimum above 13.85 unranks 甲小区 although it has 15 responses", () => {
    expect(table.units.map((u) => u.rank)).toEqual([2, 1]);
    const strict = questionnaireTable(county, observed, { campaign: campaign(), measure: "satisfaction", level: "compound", minN: 14 });
    expect(strict.units.map((u) => [u.name, u.rank, u.figure.belowMinimum])).toEqual([
      ["甲小区", null, true],
      ["乙小区", 1, false],
    ]);
  });

  it("rolls grids and responsible units up from their buildings", () => {
    const grids = questionnaireTable(county, observed, { campaign: campaign(), measure: "satisfaction", level: "grid", minN: 1 });
    expect(grids.units.map((u) => [u.name, u.responses])).toEqual([["第1网格", 15]]);
    expect(grids.units[0].figure.weighted.rate).toBeCloseTo(table.units[0].figure.weighted.rate!, 12);
  });

  it("finds a trend's unit only inside the scope", () => {
    expect(trendUnit(county, { placeId: 4, gridId: null })?.name).toBe("甲小区");
    expect(trendUnit(community, { placeId: 1, gridId: null })).toBeNull();
    expect(trendUnit(community, { placeId: null, gridId: null })?.name).toBe("社区");
  });
});

describe("bulletin", () => {
  it("ranks a community's compounds by default, with the change of the printed rates", () => {
    const formula = formulaFor("satisfaction", campaign().tagged);
    const now = questionnaireStrata(community, observed, formula);
    const before = questionnaireStrata(community, new Map([...observed].filter(([id]) => id !== 7)), formula);
    const b = bulletinFrom(community, now, before, { formula, level: null, week: "2026-11-30", target: 0.85, minN: 5 });
    expect(b.level).toBe("compound");
    expect(b.rows.map((r) => r.unit.name)).toEqual(["乙小区", "甲小区"]);
    const jia = b.rows[1];
    expect(jia.previous.figure.weighted.rate).toBeCloseTo(0.8, 12);
    expect(jia.change!.difference).toBeCloseTo(92.5 / 150 - 0.8, 12);
    expect(b.rows[0].change!.difference).toBe(0);
  });

  it("shows the last week that has ended, unless the campaign only has answers this week", () => {
    const tuesday = new Date("2026-12-01T04:00:00Z"); // week of Monday 2026-11-30, Beijing
    expect(defaultBulletinWeek({ firstWeek: "2026-10-05", lastWeek: "2026-11-30" }, tuesday)).toBe("2026-11-23");
    expect(defaultBulletinWeek({ firstWeek: "2026-11-30", lastWeek: "2026-11-30" }, tuesday)).toBe("2026-11-30");
    expect(defaultBulletinWeek({ firstWeek: "2026-10-05", lastWeek: "2026-11-16" }, tuesday)).toBe("2026-11-16");
    expect(defaultBulletinWeek({ firstWeek: null, lastWeek: null }, tuesday)).toBeNull();
  });
});

describe("choosing the campaign", () => {
  const big = campaign({ id: 1, code: "demo", responses: 5800 });
  const fresh = campaign({ id: 2, code: "fresh", responses: 2 });
  const old = campaign({ id: 3, code: "w1", responses: 9000, state: "closed" });

  it("defaults to the open campaign with the most responses, then the one with the most", () => {
    expect(pickCampaign([fresh, big, old])?.code).toBe("demo");
    expect(pickCampaign([fresh, old])?.code).toBe("fresh");
    expect(pickCampaign([{ ...fresh, state: "closed" }, old])?.code).toBe("w1");
    expect(pickCampaign([{ ...fresh, responses: 0 }])?.code).toBe("fresh");
    expect(pickCampaign([])).toBeNull();
  });

  it("falls back to the campaign's first measure, and says when a code or measure was not there", () => {
    expect(chooseCampaign([big], { campaign: null, measure: null })).toEqual({
      campaign: big,
      measure: "satisfaction",
      unknownCampaign: false,
      unavailableMeasure: false,
    });
    expect(chooseCampaign([big], { campaign: null, measure: "score" })).toMatchObject({
      measure: "satisfaction",
      unavailableMeasure: true,
    });
    expect(chooseCampaign([big], { campaign: "nope", measure: null })).toMatchObject({
      campaign: null,
      measure: null,
      unknownCampaign: true,
    });
  });
});
