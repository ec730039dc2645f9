// The office's view of responses on a real database: list with filters and scope, detail,
// voiding (kept, audited, once), and the XLSX/CSV exports through their routes.
import type { LoaderFunctionArgs } from "@remix-run/node";
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, householdCodesFor, setCampaignState } from "~/models/campaigns.server";
import { confirmResponseImport, planResponseImport, stageResponseUpload } from "~/models/response-import.server";
import { parseResponseFilters, type ResponseFilters } from "~/domain/response-filters";
import { exportResponses, getResponse, listResponses, submitResponse, voidResponse } from "~/models/responses.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { signIn, type CurrentUser } from "~/models/users.server";
import { action as voidAction, loader as detailLoader } from "~/routes/responses.$responseId";
import { loader as exportLoader } from "~/routes/responses.export";
import { loader as listLoader } from "~/routes/responses._index";
import { commitSession } from "~/utils/session.server";
import { seedDemoCounty } from "../../db/seed/index";
import { CLIENT, placeId, signedIn } from "./helpers";

const DEFINITION = {
  title: "小区满意度调查",
  pages: [
    {
      elements: [
        { type: "radiogroup", name: "aware", title: "您是否知道创文？", isRequired: true, choices: ["知道", "不知道"] },
        {
          type: "checkbox",
          name: "channels",
          title: "您通过什么渠道了解创文？",
          visibleIf: "{aware} = '知道'",
          choices: ["电视", "微信", "宣传栏"],
        },
        { type: "radiogroup", name: "env", title: "您对小区环境卫生满意吗？", isRequired: true, choices: ["满意", "基本满意", "不满意"] },
        { type: "comment", name: "advice", title: "您的建议" },
      ],
    },
  ],
};

let countyId: number;
let admin: CurrentUser;
let community: CurrentUser;
let campaignId: number;
let jinhu: number;
let wenchang: number;
const ids: Record<string, string> = {};

const ALL: ResponseFilters = { campaignId: null, placeId: null, from: null, to: null, status: "valid" };
const context = { clientIp: "127.0.0.1", cspNonce: "" };

async function cookieFor(username: string) {
  const result = await signIn(username, "demo2026", CLIENT);
  if (!result.ok) throw new Error(result.reason);
  return (await commitSession(new Request("http://localhost/"), result.token)).split(";")[0];
}

async function get(
  loader: (args: LoaderFunctionArgs) => Promise<unknown>,
  url: string,
  username: string,
  params: Record<string, string> = {},
) {
  const request = new Request(`http://localhost${url}`, { headers: { Cookie: await cookieFor(username) } });
  try {
    return await loader({ request, params, context });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const beijingDay = (offsetDays = 0) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date(Date.now() + offsetDays * 86400_000));

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  admin = await signedIn("admin", "demo2026");
  community = await signedIn("community", "demo2026");
  [jinhu, wenchang] = await Promise.all([placeId(countyId, "禾城街道", "锦湖社区"), placeId(countyId, "禾城街道", "文昌社区")]);
  const surveyId = await createSurvey({ id: admin.id, countyId }, { title: "小区满意度调查", kind: "household", draft: DEFINITION });
  const versionId = (await publishSurvey({ id: admin.id, countyId }, surveyId))!.id;
  const created = await createCampaign(
    { id: admin.id, countyId },
    {
      code: "resp-test",
      name: "答卷测试批次",
      surveyVersionId: versionId,
      opensAt: new Date(Date.now() - 3600_000),
      closesAt: new Date(Date.now() + 86400_000),
      duplicatePolicy: "unlimited",
      targetPlaceIds: [jinhu, wenchang],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  campaignId = created.id;
  await setCampaignState(countyId, campaignId, "open");
  const linkIn = async (communityId: number) =>
    (
      await sql<{ code: string }[]>`
      select l.code from campaign_links l join places p on p.id = l.place_id
      where l.campaign_id = ${campaignId} and p.level = 'building' and p.path @> array[${communityId}]::int[]
      order by p.id limit 1`
    )[0].code;
  const [jinhuLink, wenchangLink] = await Promise.all([linkIn(jinhu), linkIn(wenchang)]);
  const submit = async (key: string, code: string, answers: Record<string, unknown>) => {
    const outcome = await submitResponse({
      code,
      clientKey: `test-${key}-0000`,
      versionId,
      answers,
      startedAt: new Date(Date.now() - 95_000),
      deviceId: null,
      householdCode: null,
      userAgent: "Mozilla/5.0 (Linux; Android 10)",
      channel: key === "b" ? "volunteer" : "qr",
      collectedBy: key === "b" ? admin.id : null,
    });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    ids[key] = outcome.responseId;
  };
  await submit("a", jinhuLink, { aware: "知道", channels: ["电视", "微信"], env: "基本满意" });
  await submit("b", jinhuLink, { aware: "不知道", env: "满意", advice: "=1+1 多装路灯" });
  await submit("c", jinhuLink, { aware: "知道", channels: ["宣传栏"], env: "不满意" });
  await submit("d", wenchangLink, { aware: "知道", env: "满意" });
  await submit("e", wenchangLink, { aware: "不知道", env: "满意" });

  // A paper questionnaire with the environment question left blank: imported, partial.
  const [building] = await sql<{ compound: string; building: string }[]>`
    select c.name as compound, b.name as building from places b join places c on c.id = b.parent_id
    where b.level = 'building' and b.path @> array[${jinhu}]::int[] order by b.id limit 1`;
  const csv = `社区,小区,楼栋,您是否知道创文？,您对小区环境卫生满意吗？\n锦湖社区,${building.compound},${building.building},知道,\n`;
  const staged = await stageResponseUpload(admin, { campaignId, filename: "纸质.csv", data: new TextEncoder().encode(csv) });
  if (!staged.ok) throw new Error(JSON.stringify(staged.issues));
  const plan = (await planResponseImport(admin, staged.uploadId, null))!;
  const outcome = await confirmResponseImport(admin, staged.uploadId, plan.mapping, null);
  if (!outcome?.ok) throw new Error(JSON.stringify(outcome));
  ids.imported = (await sql<{ id: string }[]>`select id::text from responses where import_id = ${outcome.importId}`)[0].id;
});

describe("listing responses", () => {
  it("counts valid, complete, partial and voided responses and lists the newest first", async () => {
    const list = await listResponses(admin, { ...ALL, campaignId });
    expect(list.counts).toEqual({ valid: 6, complete: 5, partial: 1, voided: 0 });
    expect(list.total).toBe(6);
    expect(list.rows.map((r) => r.id)).toEqual([ids.imported, ids.e, ids.d, ids.c, ids.b, ids.a]);
    expect(list.rows[0]).toMatchObject({ imported: true, complete: false, channel: "import", campaignName: "答卷测试批次" });
    expect(list.rows.find((r) => r.id === ids.d)!.placeLabel).toMatch(/^文昌社区 \S+ \d+号楼$/);
  });

  it("filters by area, status, date and campaign", async () => {
    const ids_ = async (f: Partial<ResponseFilters>) =>
      (await listResponses(admin, { ...ALL, campaignId, ...f })).rows.map((r) => r.id).sort();
    expect(await ids_({ placeId: wenchang })).toEqual([ids.d, ids.e].sort());
    expect(await ids_({ status: "partial" })).toEqual([ids.imported]);
    expect((await ids_({ status: "complete" })).length).toBe(5);
    expect((await ids_({ from: beijingDay(), to: beijingDay() })).length).toBe(6);
    expect(await ids_({ from: beijingDay(1) })).toEqual([]);
    expect(await ids_({ to: beijingDay(-1) })).toEqual([]);
    expect(await ids_({ campaignId: campaignId + 1000 })).toEqual([]);
  });

  it("reads filters from the query string and drops malformed ones", () => {
    expect(parseResponseFilters(new URLSearchParams("campaign=3&place=x&from=2026-02-30&to=2026-05-01&status=partial"))).toEqual({
      campaignId: 3,
      placeId: null,
      from: null,
      to: "2026-05-01",
      status: "partial",
    });
    expect(parseResponseFilters(new URLSearchParams("status=drop table")).status).toBe("valid");
  });

  it("shows community staff only their community, and answers 404 for a place or response outside it", async () => {
    const list = await listResponses(community, { ...ALL, campaignId });
    expect(list.counts.valid).toBe(4);
    expect(list.rows.every((r) => r.placeLabel.startsWith("锦湖社区"))).toBe(true);
    expect(await getResponse(community, ids.d)).toBeNull();
    expect(await getResponse(community, ids.a)).not.toBeNull();
    const outside = await get(listLoader, `/responses?place=${wenchang}`, "community");
    expect(outside).toBeInstanceOf(Response);
    expect((outside as Response).status).toBe(404);
    const detail = await get(detailLoader, `/responses/${ids.d}`, "community", { responseId: ids.d });
    expect((detail as Response).status).toBe(404);
  });

  it("keeps volunteers out", async () => {
    const refused = await get(listLoader, "/responses", "volunteer");
    expect((refused as Response).status).toBe(403);
  });
});

describe("a response's detail", () => {
  it("shows every question with its answer text, place, version, channel and timing", async () => {
    const r = (await getResponse(admin, ids.a))!;
    expect(r.answers).toEqual([
      { name: "aware", title: "您是否知道创文？", text: "知道" },
      { name: "channels", title: "您通过什么渠道了解创文？", text: "电视、微信" },
      { name: "env", title: "您对小区环境卫生满意吗？", text: "基本满意" },
      { name: "advice", title: "您的建议", text: "" },
    ]);
    expect(r).toMatchObject({
      campaignName: "答卷测试批次",
      surveyTitle: "小区满意度调查",
      version: 1,
      channel: "qr",
      complete: true,
      imported: null,
      voided: null,
    });
    expect(r.placeLabel).toMatch(/^禾城街道 锦湖社区 \S+ \d+号楼$/);
    expect(r.durationSeconds).toBeGreaterThanOrEqual(94);
    expect(r.userAgent).toContain("Android");
    expect((await getResponse(admin, ids.b))!.collectedBy).toBe("县文明办管理员");
    const imported = (await getResponse(admin, ids.imported))!;
    expect(imported).toMatchObject({ complete: false, channel: "import", imported: { filename: "纸质.csv", by: "县文明办管理员" } });
    expect(await getResponse(admin, "12x")).toBeNull();
  });
});

describe("voiding", () => {
  it("needs a reason, keeps the response with who, when and why, audits it, and happens once", async () => {
    const cookie = await cookieFor("admin");
    const post = (reason: string) =>
      voidAction({
        request: new Request(`http://localhost/responses/${ids.c}`, {
          method: "POST",
          headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ reason, confirmed: "yes" }),
        }),
        params: { responseId: ids.c },
        context,
      });
    const empty = (await post(" ")) as unknown as { init: ResponseInit | null; data: unknown };
    expect(empty.init?.status).toBe(400);
    expect((await getResponse(admin, ids.c))!.voided).toBeNull();

    const done = (await post("同一户重复填写")) as unknown as { data: unknown };
    expect(done.data).toEqual({ ok: true, outcome: "voided" });
    const r = (await getResponse(admin, ids.c))!;
    expect(r.voided).toMatchObject({ by: "县文明办管理员", reason: "同一户重复填写" });
    expect(r.answers.find((a) => a.name === "env")!.text).toBe("不满意");
    const [audit] = await sql`select target, details, ip from audit_log where action = 'response.void'`;
    expect(audit).toMatchObject({ target: `response:${ids.c}`, details: { reason: "同一户重复填写" }, ip: "127.0.0.1" });

    expect(((await post("再次作废")) as unknown as { data: unknown }).data).toEqual({ ok: true, outcome: "alreadyVoided" });
    expect((await getResponse(admin, ids.c))!.voided!.reason).toBe("同一户重复填写");
    await expect(sql`update responses set void_reason = 'x' where id = ${ids.c}::bigint`).rejects.toThrow(/never edited/);

    const counts = (await listResponses(admin, { ...ALL, campaignId })).counts;
    expect(counts).toEqual({ valid: 5, complete: 4, partial: 1, voided: 1 });
    expect((await listResponses(admin, { ...ALL, campaignId, status: "voided" })).rows.map((r) => r.id)).toEqual([ids.c]);
  });

  it("is for admins only, and only inside the scope", async () => {
    const refused = await voidAction({
      request: new Request(`http://localhost/responses/${ids.a}`, {
        method: "POST",
        headers: { Cookie: await cookieFor("community"), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ reason: "试试", confirmed: "yes" }),
      }),
      params: { responseId: ids.a },
      context,
    }).catch((e: unknown) => e);
    expect((refused as Response).status).toBe(403);
    expect(await voidResponse(community, ids.d, "不在范围", null)).toBeNull();
    expect((await getResponse(admin, ids.d))!.voided).toBeNull();
  });
});

describe("exporting", () => {
  it("writes an XLSX with Chinese headers, one column per question, answer texts, and audits it", async () => {
    const response = (await get(exportLoader, `/responses/export?campaign=${campaignId}&format=xlsx`, "admin")) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(decodeURIComponent(response.headers.get("Content-Disposition")!)).toMatch(
      /filename\*=UTF-8''答卷_答卷测试批次_\d{4}-\d{2}-\d{2}\.xlsx$/,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe("答卷");
    expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual([
      "编号",
      "调查批次",
      "街道",
      "社区",
      "小区",
      "楼栋",
      "房号",
      "户码",
      "提交时间",
      "渠道",
      "用时(秒)",
      "版本",
      "是否导入",
      "状态",
      "您是否知道创文？",
      "您通过什么渠道了解创文？",
      "您对小区环境卫生满意吗？",
      "您的建议",
    ]);
    expect(sheet.getRow(1).font?.bold).toBe(true);
    // Valid responses only (the voided one is left out), oldest first.
    expect(sheet.rowCount).toBe(1 + 5);
    const rows = Array.from({ length: 5 }, (_, i) => (sheet.getRow(i + 2).values as unknown[]).slice(1));
    const first = rows[0];
    expect(first[0]).toBe(Number(ids.a));
    expect(first.slice(2, 4)).toEqual(["禾城街道", "锦湖社区"]);
    expect(first[5]).toMatch(/^\d+号楼$/);
    // Excel has no time zone: the cell reads as the Beijing wall-clock time of the submission.
    const submitted = new Date((await getResponse(admin, ids.a))!.finishedAt);
    // No household code in an "unlimited" campaign: room and code stay empty.
    expect(first.slice(6, 8)).toEqual([undefined, undefined]);
    expect(Math.round((first[8] as Date).getTime() / 1000)).toBe(Math.round(submitted.getTime() / 1000) + 8 * 3600);
    expect(first.slice(9, 17)).toEqual(["扫码", expect.any(Number), 1, "否", "完整", "知道", "电视、微信", "基本满意"]);
    const imported = rows.find((r) => r[0] === Number(ids.imported))!;
    expect(imported.slice(12, 17)).toEqual(["是", "部分", "知道", "", ""]);
    const [audit] = await sql`select target, details from audit_log where action = 'response.export'`;
    expect(audit).toMatchObject({ target: `campaign:${campaignId}`, details: { format: "xlsx", rows: 5 } });
  });

  it("writes a CSV in UTF-8 with a BOM that Excel opens, with formulas defused", async () => {
    const response = (await get(exportLoader, `/responses/export?campaign=${campaignId}&format=csv&status=all`, "admin")) as Response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // TextDecoder drops the BOM it has just been shown.
    const text = new TextDecoder().decode(bytes);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "编号,调查批次,街道,社区,小区,楼栋,房号,户码,提交时间,渠道,用时(秒),版本,是否导入,状态,您是否知道创文？,您通过什么渠道了解创文？,您对小区环境卫生满意吗？,您的建议",
    );
    expect(lines).toHaveLength(1 + 6);
    const b = lines.find((l) => l.startsWith(`${ids.b},`))!;
    expect(b).toContain(",志愿者代填,");
    expect(b.endsWith(",不知道,,满意,'=1+1 多装路灯")).toBe(true);
    expect(lines.find((l) => l.startsWith(`${ids.c},`))).toContain(",已作废,");
    expect(b).toMatch(new RegExp(`,${beijingDay()} \\d{2}:\\d{2}:\\d{2},`));
  });

  it("exports only the user's scope and only for those allowed to", async () => {
    const { rows } = await exportResponses(community, { ...ALL, campaignId });
    expect(rows.map((r) => r.community)).toEqual(["锦湖社区", "锦湖社区", "锦湖社区"]);
    const refused = await get(exportLoader, "/responses/export?format=xlsx", "viewer");
    expect((refused as Response).status).toBe(403);
  });
});

describe("exporting formula-like text", () => {
  it("defuses it in every CSV cell and keeps it as text in the XLSX", async () => {
    // Place names come from imported registers: give response b's places names a spreadsheet would run.
    const [place] = await sql<{ street: number; compound: number; building: number; names: string[] }[]>`
      select s.id as street, c.id as compound, b.id as building, array[s.name, c.name, b.name] as names
      from responses r join places b on b.id = r.place_id join places c on c.id = b.parent_id join places s on s.id = c.path[2]
      where r.id = ${ids.b}`;
    const typed = ["@SUM(A1:A2)", "-1", "\t+1"];
    const rename = (names: string[]) =>
      sql`update places set name = v.name from (values (${place.street}::int, ${names[0]}), (${place.compound}::int, ${names[1]}), (${place.building}::int, ${names[2]})) as v(id, name) where places.id = v.id`;
    await rename(typed);
    try {
      const csvResponse = (await get(exportLoader, `/responses/export?campaign=${campaignId}&format=csv`, "admin")) as Response;
      const lines = new TextDecoder()
        .decode(await csvResponse.arrayBuffer())
        .trimEnd()
        .split("\r\n");
      const b = lines.find((l) => l.startsWith(`${ids.b},`))!;
      expect(b).toContain(",'@SUM(A1:A2),锦湖社区,'-1,'\t+1,");
      expect(b.endsWith(",'=1+1 多装路灯")).toBe(true);
      const xlsxResponse = (await get(exportLoader, `/responses/export?campaign=${campaignId}&format=xlsx`, "admin")) as Response;
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await xlsxResponse.arrayBuffer());
      const sheet = workbook.worksheets[0];
      const row = sheet.getRows(2, sheet.rowCount - 1)!.find((r) => r.getCell(1).value === Number(ids.b))!;
      for (const [column, text] of [
        [3, typed[0]],
        [5, typed[1]],
        [6, typed[2]],
        [18, "=1+1 多装路灯"],
      ] as const) {
        expect(row.getCell(column).type).toBe(ExcelJS.ValueType.String);
        expect(row.getCell(column).value).toBe(text);
      }
    } finally {
      await rename(place.names);
    }
  });
});

describe("household-code campaigns", () => {
  let householdCampaign: number;
  let responseId: string;
  let slip: { code: string; room: string; stairwell: string | null };

  beforeAll(async () => {
    const versionId = (await sql<{ id: number }[]>`select survey_version_id as id from campaigns where id = ${campaignId}`)[0].id;
    const created = await createCampaign(
      { id: admin.id, countyId },
      {
        code: "resp-household",
        name: "一户一码批次",
        surveyVersionId: versionId,
        opensAt: new Date(Date.now() - 3600_000),
        closesAt: new Date(Date.now() + 86400_000),
        duplicatePolicy: "household",
        targetPlaceIds: [jinhu],
      },
    );
    if (!("id" in created)) throw new Error(created.problem);
    householdCampaign = created.id;
    await setCampaignState(countyId, householdCampaign, "open");
    const [link] = await sql<{ code: string; buildingId: number }[]>`
      select l.code, p.id as "buildingId" from campaign_links l join places p on p.id = l.place_id
      where l.campaign_id = ${householdCampaign} and p.level = 'building'
        and exists (select 1 from places s where s.parent_id = p.id and s.level = 'stairwell')
      order by p.id limit 1`;
    [slip] = await householdCodesFor(admin, householdCampaign, link.buildingId);
    const outcome = await submitResponse({
      code: link.code,
      clientKey: "test-household-0000",
      versionId,
      answers: { aware: "知道", env: "满意" },
      startedAt: new Date(Date.now() - 60_000),
      deviceId: null,
      householdCode: slip.code,
      userAgent: null,
      channel: "qr",
      collectedBy: null,
    });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    responseId = outcome.responseId;
  });

  it("the detail names the household (room) and the code it was answered with", async () => {
    const r = (await get(detailLoader, `/responses/${responseId}`, "admin", { responseId })) as { response: { household: unknown } };
    expect(slip.stairwell).not.toBeNull();
    expect(r.response.household).toEqual({ room: `${slip.stairwell} ${slip.room}`, code: slip.code });
    const other = (await get(detailLoader, `/responses/${ids.a}`, "admin", { responseId: ids.a })) as { response: { household: unknown } };
    expect(other.response.household).toBeNull();
  });

  it("the CSV and XLSX exports carry the room and the household code", async () => {
    const csvResponse = (await get(exportLoader, `/responses/export?campaign=${householdCampaign}&format=csv`, "admin")) as Response;
    const [header, row, ...rest] = new TextDecoder()
      .decode(await csvResponse.arrayBuffer())
      .trimEnd()
      .split("\r\n");
    expect(rest).toEqual([]);
    const columns = header.split(",");
    expect(columns.slice(4, 8)).toEqual(["小区", "楼栋", "房号", "户码"]);
    const cells = row.split(",");
    expect(cells[columns.indexOf("房号")]).toBe(`${slip.stairwell} ${slip.room}`);
    expect(cells[columns.indexOf("户码")]).toBe(slip.code);

    const xlsxResponse = (await get(exportLoader, `/responses/export?campaign=${householdCampaign}&format=xlsx`, "admin")) as Response;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await xlsxResponse.arrayBuffer());
    const values = (workbook.worksheets[0].getRow(2).values as unknown[]).slice(1);
    expect(values.slice(6, 8)).toEqual([`${slip.stairwell} ${slip.room}`, slip.code]);
  });
});
