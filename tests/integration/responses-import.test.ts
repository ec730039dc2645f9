// Importing answers from a spreadsheet, end to end on a real database: the Somerville Happiness
// Survey 2015 (UTF-16LE, ";"-separated, 143 residents, 1-5 ratings) through the same steps the
// import page takes (upload → suggested mapping → preview → confirm).
import { readFileSync } from "node:fs";
import iconv from "iconv-lite";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { encodeValue, type ResponseMapping } from "~/domain/response-mapping";
import { translate } from "~/i18n";
import { createCampaign, setCampaignState } from "~/models/campaigns.server";
import { confirmResponseImport, planResponseImport, stageResponseUpload } from "~/models/response-import.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import type { CurrentUser } from "~/models/users.server";
import { taggedQuestions } from "~/survey/tags";
import { seedDemoCounty } from "../../db/seed/index";
import { placeId, signedIn } from "./helpers";

const FIXTURE = new URL("../fixtures/somerville-happiness-2015.csv", import.meta.url);
const FILENAME = "somerville-happiness-2015.csv";
const RATINGS = ["x1", "x2", "x3", "x4", "x5", "x6"];

const DEFINITION = {
  title: "Somerville 幸福感调查",
  pages: [
    {
      elements: [
        {
          type: "radiogroup",
          name: "d",
          title: "您觉得幸福吗？",
          isRequired: true,
          choices: [
            { value: 0, text: "不幸福" },
            { value: 1, text: "幸福" },
          ],
        },
        ...["城市服务信息的获取", "住房费用", "公立学校", "警察", "街道和人行道", "社区活动"].map((service, i) => ({
          type: "rating",
          name: `x${i + 1}`,
          title: `您对${service}的满意程度`,
          isRequired: true,
          rateMin: 1,
          rateMax: 5,
          measure: "satisfaction",
          positiveAnswers: [4, 5],
        })),
      ],
    },
  ],
};

let countyId: number;
let admin: CurrentUser;
let community: CurrentUser;
let versionId: number;
let buildingId: number;

async function newCampaign(targetPlaceIds: number[]) {
  const created = await createCampaign(
    { id: admin.id, countyId },
    {
      code: `imp-${Math.random().toString(36).slice(2, 8)}`,
      name: "幸福感调查（纸质问卷录入）",
      surveyVersionId: versionId,
      opensAt: new Date(Date.now() - 86400_000),
      closesAt: new Date(Date.now() + 86400_000),
      duplicatePolicy: "unlimited",
      targetPlaceIds,
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  await setCampaignState(countyId, created.id, "open");
  return created.id;
}

/** The page's three steps: upload, the suggested mapping adjusted by the office, the plan to confirm. */
async function upload(user: CurrentUser, campaignId: number, data: Uint8Array, filename = FILENAME) {
  const staged = await stageResponseUpload(user, { campaignId, filename, data });
  if (!staged.ok) throw new Error(JSON.stringify(staged.issues));
  const suggested = await planResponseImport(user, staged.uploadId, null);
  return { uploadId: staged.uploadId, suggested: suggested! };
}

const storedCount = async (campaignId: number) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from responses where campaign_id = ${campaignId}`)[0].n;

/** The fixture read independently of the app: iconv-lite and split. */
function fixtureRows(): Record<string, number>[] {
  const text = iconv.decode(readFileSync(FIXTURE), "utf16le").replace(/^\uFEFF/, "");
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const names = header.split(";").map((h) => h.trim().toLowerCase());
  return lines.map((line) => Object.fromEntries(line.split(";").map((cell, i) => [names[i], Number(cell)])));
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", "demo2026");
  community = await signedIn("community", "demo2026");
  const surveyId = await createSurvey({ id: admin.id, countyId }, { title: "Somerville 幸福感调查", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: admin.id, countyId }, surveyId))!.id;
  [{ id: buildingId }] = await sql<{ id: number }[]>`
    select id from places where county_id = ${countyId} and level = 'building'
      and path @> array[${community.scopePlaceId}]::int[] order by id limit 1`;
});

describe("importing the Somerville Happiness Survey", () => {
  it("stores 143 imported responses whose 4-or-5 counts per rating match the file", async () => {
    const campaignId = await newCampaign([buildingId]);
    const { uploadId, suggested } = await upload(admin, campaignId, readFileSync(FIXTURE));

    // Columns D, X1..X6 are recognised by question name; 0/1 and 1-5 by value.
    expect(suggested.headers).toEqual(["D", "X1", "X2", "X3", "X4", "X5", "X6"]);
    expect(suggested.mapping.columns).toEqual(["q:d", ...RATINGS.map((x) => `q:${x}`)]);
    expect(suggested.mapping.values.d).toEqual({ "0": encodeValue(0), "1": encodeValue(1) });
    for (const x of RATINGS) expect(suggested.mapping.values[x]).toEqual({ "1": "1", "2": "2", "3": "3", "4": "4", "5": "5" });
    // No place column: the file must be put at one building first.
    expect(suggested.mapping.place).toEqual({ mode: "fixed", placeId: null });
    expect(suggested.issues.map((i) => i.key)).toEqual(["responses.import.noFixedPlace"]);
    expect(suggested.places.map((p) => p.id)).toEqual([buildingId]);

    const mapping: ResponseMapping = { ...suggested.mapping, place: { mode: "fixed", placeId: buildingId } };
    const preview = (await planResponseImport(admin, uploadId, mapping))!;
    expect(preview.issues).toEqual([]);
    expect(preview.counts).toEqual({ rows: 143, complete: 143, partial: 0, alreadyImported: 0 });
    // The first data line of the file is 0;3;2;3;4;2;4.
    expect(preview.preview[0]).toMatchObject({ line: 2, complete: true });
    expect(preview.preview[0].answers.map((a) => a.text)).toEqual(["不幸福", "3", "2", "3", "4", "2", "4"]);
    expect(preview.preview[0].place).toMatch(/号楼$/);

    const outcome = await confirmResponseImport(admin, uploadId, mapping, "127.0.0.1");
    expect(outcome).toMatchObject({ ok: true, inserted: 143, alreadyImported: 0 });

    const stored = await sql<
      { answers: Record<string, number>; channel: string; importId: number | null; complete: boolean; placeId: number; versionId: number }[]
    >`
      select answers, channel, import_id as "importId", complete, place_id as "placeId", survey_version_id as "versionId"
      from responses where campaign_id = ${campaignId}`;
    expect(stored).toHaveLength(143);
    for (const r of stored) expect(r).toMatchObject({ channel: "import", complete: true, placeId: buildingId, versionId });
    expect(new Set(stored.map((r) => r.importId)).size).toBe(1);
    expect(stored[0].importId).not.toBeNull();

    const file = fixtureRows();
    expect(file).toHaveLength(143);
    const tagged = taggedQuestions(DEFINITION);
    expect(tagged.map((q) => q.name)).toEqual(RATINGS);
    for (const q of tagged) {
      const positive = (value: unknown) => q.positiveAnswers.includes(value as number);
      const fromFile = file.filter((row) => positive(row[q.name])).length;
      const fromDb = stored.filter((r) => positive(r.answers[q.name])).length;
      expect({ q: q.name, n: fromDb }).toEqual({ q: q.name, n: fromFile });
    }
    // The numbers themselves (UCI Somerville Happiness Survey 2015: ratings of 4 or 5).
    expect(tagged.map((q) => file.filter((row) => [4, 5].includes(row[q.name])).length)).toEqual([111, 43, 56, 80, 86, 116]);
    // And every answer as given: the whole distribution of each column, not only the top two boxes.
    const histogram = (values: unknown[]) => [0, 1, 2, 3, 4, 5].map((v) => values.filter((x) => x === v).length);
    for (const name of ["d", ...RATINGS])
      expect({ name, n: histogram(stored.map((r) => r.answers[name])) }).toEqual({ name, n: histogram(file.map((row) => row[name])) });

    const [record] = await sql`select rows, filename, user_id from response_imports where id = ${stored[0].importId}`;
    expect(record).toMatchObject({ rows: 143, filename: FILENAME, user_id: admin.id });
    const [audit] = await sql`select details from audit_log where action = 'response.import' and target = ${`campaign:${campaignId}`}`;
    expect(audit.details).toMatchObject({ inserted: 143, alreadyImported: 0, rows: 143 });
    expect(await sql`select 1 from response_uploads where id = ${uploadId}`).toHaveLength(0);

    // The same file again: everything was imported before, nothing new is stored.
    const again = await upload(admin, campaignId, readFileSync(FIXTURE));
    const againPlan = (await planResponseImport(admin, again.uploadId, mapping))!;
    expect(againPlan.counts.alreadyImported).toBe(143);
    expect(await confirmResponseImport(admin, again.uploadId, mapping, null)).toMatchObject({
      ok: true,
      inserted: 0,
      alreadyImported: 143,
    });
    expect(await storedCount(campaignId)).toBe(143);
    // A confirmed upload is gone: a second click finds nothing to import.
    expect(await confirmResponseImport(admin, again.uploadId, mapping, null)).toBeNull();
  });

  it("refuses a file with an answer no option matches, naming the row and column, and stores nothing", async () => {
    const campaignId = await newCampaign([buildingId]);
    const text = iconv.decode(readFileSync(FIXTURE), "utf16le").replace(/^\uFEFF/, "");
    const lines = text.split("\n");
    // Line 4 of the file (the third resident): X1 becomes a text nobody foresaw.
    lines[3] = lines[3].replace(/^(\d);\d;/, "$1;很满意啦;");
    const { uploadId, suggested } = await upload(admin, campaignId, iconv.encode(`\uFEFF${lines.join("\n")}`, "utf16le"));
    const mapping: ResponseMapping = { ...suggested.mapping, place: { mode: "fixed", placeId: buildingId } };
    const plan = (await planResponseImport(admin, uploadId, mapping))!;
    expect(plan.issues).toEqual([
      {
        line: 4,
        column: "X1",
        key: "responses.import.unmappedValue",
        params: { column: "X1", value: "很满意啦", count: 1, lines: "4" },
      },
    ]);
    expect(plan.mapping.values.x1["很满意啦"]).toBe("");
    const refused = await confirmResponseImport(admin, uploadId, mapping, null);
    expect(refused).toMatchObject({ ok: false });
    expect(refused && !refused.ok && refused.issues.map((i) => i.key)).toEqual(["responses.import.unmappedValue"]);
    expect(await storedCount(campaignId)).toBe(0);

    // Choosing an option for it (here: 5) lets the whole file in.
    const fixed = { ...mapping, values: { ...plan.mapping.values, x1: { ...plan.mapping.values.x1, 很满意啦: encodeValue(5) } } };
    expect(await confirmResponseImport(admin, uploadId, fixed, null)).toMatchObject({ ok: true, inserted: 143 });
    const [row] = await sql`select answers from responses where campaign_id = ${campaignId} and client_key like ${"%-4"}`;
    expect(row.answers.x1).toBe(5);
  });

  it("refuses rows outside the importer's area, and finds places from the file's columns", async () => {
    const street = await placeId(countyId, "禾城街道");
    const [own, other] = await Promise.all([placeId(countyId, "禾城街道", "锦湖社区"), placeId(countyId, "禾城街道", "文昌社区")]);
    const campaignId = await newCampaign([own, other]);
    const building = async (communityId: number) =>
      (
        await sql<{ compound: string; building: string; id: number }[]>`
        select c.name as compound, b.name as building, b.id from places b join places c on c.id = b.parent_id
        where b.level = 'building' and b.path @> array[${communityId}]::int[] order by b.id limit 1`
      )[0];
    const [inside, outside] = await Promise.all([building(own), building(other)]);
    expect(street).toBeGreaterThan(0);
    const csv = [
      "社区,小区,楼栋,您觉得幸福吗？,X1,X2,X3,X4,X5,X6",
      `锦湖社区,${inside.compound},${inside.building},幸福,5,4,3,2,1,5`,
      `文昌社区,${outside.compound},${outside.building},不幸福,1,2,3,4,5,1`,
      `锦湖社区,${inside.compound},${inside.building},幸福,4,4,,4,4,4`,
    ].join("\r\n");
    const { uploadId, suggested } = await upload(community, campaignId, new TextEncoder().encode(csv), "纸质问卷.csv");
    expect(suggested.mapping.columns).toEqual(["community", "compound", "building", "q:d", ...RATINGS.map((x) => `q:${x}`)]);
    expect(suggested.mapping.place).toEqual({ mode: "columns" });
    expect(suggested.issues).toEqual([
      { line: 3, column: null, key: "responses.import.outOfScope", params: { place: `文昌社区 ${outside.compound} ${outside.building}` } },
    ]);
    const [outside3] = suggested.issues;
    expect(translate("zh", outside3.key, { ...outside3.params, line: outside3.line! })).toBe(
      `第 3 行：“文昌社区 ${outside.compound} ${outside.building}”不在您的管辖范围内，不能导入。`,
    );
    expect(await confirmResponseImport(community, uploadId, suggested.mapping, null)).toMatchObject({ ok: false });
    expect(await storedCount(campaignId)).toBe(0);

    // The admin's area covers both: the same file goes in; the row with X3 blank is partial.
    const byAdmin = await upload(admin, campaignId, new TextEncoder().encode(csv), "纸质问卷.csv");
    expect(byAdmin.suggested.issues).toEqual([]);
    expect(byAdmin.suggested.counts).toEqual({ rows: 3, complete: 2, partial: 1, alreadyImported: 0 });
    expect(await confirmResponseImport(admin, byAdmin.uploadId, byAdmin.suggested.mapping, null)).toMatchObject({ ok: true, inserted: 3 });
    const rows = await sql<{ placeId: number; complete: boolean; answers: Record<string, unknown> }[]>`
      select place_id as "placeId", complete, answers from responses where campaign_id = ${campaignId} order by client_key`;
    expect(rows.map((r) => [r.placeId, r.complete])).toEqual([
      [inside.id, true],
      [outside.id, true],
      [inside.id, false],
    ]);
    expect(rows[2].answers).toEqual({ d: 1, x1: 4, x2: 4, x4: 4, x5: 4, x6: 4 });
  });

  it("refuses a building outside the campaign and an unknown building name", async () => {
    const campaignId = await newCampaign([buildingId]);
    const [sibling] = await sql<{ compound: string; building: string }[]>`
      select c.name as compound, b.name as building from places b join places c on c.id = b.parent_id
      where b.parent_id = (select parent_id from places where id = ${buildingId}) and b.id <> ${buildingId} limit 1`;
    const csv = ["小区,楼栋,D,X1", "不存在的小区,1号楼,1,5", `${sibling.compound},${sibling.building},0,4`].join("\n");
    const { suggested } = await upload(admin, campaignId, new TextEncoder().encode(csv), "x.csv");
    expect(suggested.issues.map((i) => [i.line, i.key])).toEqual([
      [2, "responses.import.place.notFound"],
      [3, "responses.import.outOfCampaign"],
    ]);
  });

  it("reports an unreadable file and a campaign of another county as upload problems", async () => {
    const campaignId = await newCampaign([buildingId]);
    const bad = await stageResponseUpload(admin, {
      campaignId,
      filename: "x.xlsx",
      data: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]),
    });
    expect(bad).toEqual({ ok: false, issues: [{ line: null, column: null, key: "import.table.unreadable", params: { file: "x.xlsx" } }] });
    const none = await stageResponseUpload(admin, { campaignId: 999_999, filename: "x.csv", data: new TextEncoder().encode("D\n1") });
    expect(none).toMatchObject({ ok: false, issues: [{ key: "responses.import.noCampaign" }] });
    // Another user cannot see someone's upload.
    const { uploadId } = await upload(admin, campaignId, new TextEncoder().encode("D,X1\n1,5"), "y.csv");
    expect(await planResponseImport(community, uploadId, null)).toBeNull();
  });
});
