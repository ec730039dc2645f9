// Real data nobody here wrote: the Somerville (MA) Happiness Survey 2015 (143 residents, six 1–5
// ratings of city services; UTF-16LE with BOM, ';'-separated). It goes in through the response
// import (the path an office uses for paper questionnaires), and the top-two-box rates the
// engine reports must match a count made here straight from the file's bytes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { wilsonInterval } from "~/domain/stats";
import { createCampaign } from "~/models/campaigns.server";
import { ALL_WEEKS, pickCampaign } from "~/domain/rate-engine";
import { listRateCampaigns, placeReport, tallyDifferences } from "~/models/rates.server";
import type { ScopedUser } from "~/models/users.server";
import { confirmResponseImport, planResponseImport, stageResponseUpload } from "~/models/response-import.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { placeId, signedIn } from "./helpers";

const FIXTURE = path.resolve(__dirname, "../fixtures/somerville-happiness-2015.csv");
const RATINGS = ["X1", "X2", "X3", "X4", "X5", "X6"];
const TITLES = ["城市服务信息的获取", "住房费用", "公立学校", "警察", "街道和人行道", "社区活动"];

const definition = {
  title: "Somerville Happiness Survey 2015",
  pages: [
    {
      name: "p1",
      elements: [
        {
          type: "radiogroup",
          name: "D",
          title: "幸福吗",
          choices: [
            { value: 0, text: "不幸福" },
            { value: 1, text: "幸福" },
          ],
        },
        ...RATINGS.map((name, i) => ({
          type: "radiogroup",
          name,
          title: `对${TITLES[i]}的评价`,
          choices: [1, 2, 3, 4, 5],
          measure: "satisfaction",
          positiveAnswers: [4, 5],
        })),
      ],
    },
  ],
};

/** The independent count: decode UTF-16LE by hand, split on ';', count 4 and 5 per column. */
function countFromFile(bytes: Buffer) {
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
  const text = bytes.subarray(2).toString("utf16le");
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const columns = header.split(";");
  return {
    rows: lines.length,
    perQuestion: RATINGS.map((name) => {
      const i = columns.indexOf(name);
      const values = lines.map((l) => l.split(";")[i].trim()).filter((v) => v !== "");
      return { name, positive: values.filter((v) => v === "4" || v === "5").length, valid: values.length };
    }),
  };
}

let admin: ScopedUser;
let building: number;

beforeAll(async () => {
  const { countyId } = await seedDemoCounty();
  const user = await signedIn("admin", DEMO_PASSWORD);
  admin = user;
  const community = await placeId(countyId, "禾城街道", "锦湖社区");
  [{ id: building }] = await sql<
    { id: number }[]
  >`select id from places where level = 'building' and path @> array[${community}]::int[] order by id limit 1`;
  const surveyId = await createSurvey(user, { title: definition.title, kind: "household", draft: definition });
  const version = await publishSurvey(user, surveyId);
  const campaign = await createCampaign(user, {
    code: "somerville",
    name: "Somerville 2015",
    surveyVersionId: version!.id,
    opensAt: new Date("2015-01-01T00:00:00Z"),
    closesAt: new Date("2030-01-01T00:00:00Z"),
    duplicatePolicy: "unlimited",
    targetPlaceIds: [community],
  });
  if ("problem" in campaign) throw new Error(campaign.problem);

  const data = readFileSync(FIXTURE);
  const staged = await stageResponseUpload(user, {
    campaignId: campaign.id,
    filename: "somerville-happiness-2015.csv",
    data: new Uint8Array(data),
  });
  if (!staged.ok) throw new Error(JSON.stringify(staged.issues));
  const plan = await planResponseImport(user, staged.uploadId, null);
  if (!plan) throw new Error("no plan");
  // Every rating column is recognised by its question name; all rows are collected at one building.
  const mapping = { ...plan.mapping, place: { mode: "fixed" as const, placeId: building } };
  const outcome = await confirmResponseImport(user, staged.uploadId, mapping, null);
  if (!outcome?.ok) throw new Error(JSON.stringify(outcome));
});

describe("Somerville Happiness Survey 2015 through the import", () => {
  it("top-two-box rates per rating and pooled match the count made from the file", async () => {
    const expected = countFromFile(readFileSync(FIXTURE));
    expect(expected.rows).toBe(143);
    const campaign = pickCampaign(await listRateCampaigns(admin), "somerville")!;
    expect(campaign.responses).toBe(143);
    expect(await tallyDifferences(campaign.id)).toBe(0);

    const report = (await placeReport(admin, { campaign, placeId: building, measure: "satisfaction", range: ALL_WEEKS, minN: 30 }))!;
    const satisfaction = report.measures.find((m) => m.formula.measure === "satisfaction")!;
    expect(
      satisfaction.questions.map((q) => ({ name: q.name, positive: q.figure.counts.successes, valid: q.figure.counts.trials })),
    ).toEqual(expected.perQuestion);
    for (const [i, q] of satisfaction.questions.entries()) {
      const { positive, valid } = expected.perQuestion[i];
      const ci = wilsonInterval(positive, valid);
      expect(q.figure.plain.lower).toBeCloseTo(ci.lower, 12);
      expect(q.figure.plain.upper).toBeCloseTo(ci.upper, 12);
    }
    const positive = expected.perQuestion.reduce((s, q) => s + q.positive, 0);
    const valid = expected.perQuestion.reduce((s, q) => s + q.valid, 0);
    expect(satisfaction.figure.counts.successes).toBe(positive);
    expect(satisfaction.figure.counts.trials).toBe(valid);
    expect(satisfaction.figure.plain.rate).toBeCloseTo(positive / valid, 12);
    expect(satisfaction.figure.plain.n).toBeCloseTo(valid / 6, 12);
  });
});
