import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCounty, type County } from "~/models/counties.server";
import {
  createSurvey,
  definitionText,
  getSurvey,
  getSurveyVersion,
  listSurveys,
  listVersions,
  publishSurvey,
  saveDraft,
} from "~/models/surveys.server";
import { checkDefinitionText, MAX_DEFINITION_BYTES } from "~/survey/definition";
import { loadTemplate } from "~/survey/templates.server";
import { createUser, signIn } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { action as editorAction, loader as editorLoader } from "~/routes/surveys.$surveyId";
import { action as newAction } from "~/routes/surveys.new";
import { loader as exportLoader } from "~/routes/surveys.$surveyId.export";
import { CLIENT } from "./helpers";

const PASSWORD = "secret-pass-1";
let county: County;
let admin: { id: number; countyId: number };
let adminCookie: string;
let viewerCookie: string;

async function cookieFor(username: string) {
  const session = await signIn(username, PASSWORD, CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  const header = await commitSession(new Request("http://test/"), session.token);
  return header.split(";")[0];
}

const question = (name: string, extra: Record<string, unknown> = {}) => ({
  type: "radiogroup",
  name,
  title: `${name} 满意吗？`,
  choices: ["满意", "基本满意", "不满意"],
  ...extra,
});

const definition = (...names: string[]) => ({
  title: "测试问卷",
  pages: [{ name: "p1", elements: names.map((n) => question(n)) }],
});

beforeAll(async () => {
  county = await createCounty("svy", "测试县");
  const users = [
    ["admin", "admin"],
    ["viewer", "viewer"],
  ] as const;
  for (const [username, role] of users) {
    const created = await createUser(county.id, {
      username,
      displayName: username,
      phone: null,
      role,
      scope: { placeId: county.rootPlaceId },
      password: PASSWORD,
    });
    if ("problem" in created) throw new Error(created.problem);
    if (username === "admin") admin = { id: created.id, countyId: county.id };
  }
  adminCookie = await cookieFor("admin");
  viewerCookie = await cookieFor("viewer");
});

describe("publishing", () => {
  it("freezes the draft as version 1, 2, … and does not make a version when nothing changed", async () => {
    const id = await createSurvey(admin, { title: "入户问卷", kind: "household", draft: definition("env") });
    expect((await getSurvey(county.id, id))?.latestVersion).toBeNull();

    const first = await publishSurvey(admin, id);
    expect(first).toMatchObject({ version: 1, created: true });
    const again = await publishSurvey(admin, id);
    expect(again).toEqual({ id: first!.id, version: 1, created: false });

    // Editing after publishing makes a draft that differs from version 1.
    await saveDraft(county.id, id, { title: "入户问卷", draft: definition("env", "order") });
    const listed = (await listSurveys(county.id)).find((s) => s.id === id)!;
    expect(listed).toMatchObject({ latestVersion: 1, unpublishedChanges: true });

    const second = await publishSurvey(admin, id);
    expect(second).toMatchObject({ version: 2, created: true });
    expect((await listVersions(county.id, id)).map((v) => v.version)).toEqual([2, 1]);
    expect((await getSurvey(county.id, id))?.unpublishedChanges).toBe(false);
    // Version 1 still holds exactly what was published then.
    expect((await getSurveyVersion(county.id, id, 1))?.definition).toEqual(definition("env"));
    expect((await getSurveyVersion(county.id, id, 2))?.definition).toEqual(definition("env", "order"));
  });

  it("saves and publishes the editor's text in one step", async () => {
    const id = await createSurvey(admin, { title: "旧名", kind: "quiz", draft: definition("a") });
    const published = await publishSurvey(admin, id, { title: "新名", draft: definition("a", "b") });
    expect(published).toMatchObject({ version: 1, created: true });
    expect(await getSurvey(county.id, id)).toMatchObject({ title: "新名", draft: definition("a", "b"), unpublishedChanges: false });
  });

  it("never changes or deletes a published version", async () => {
    const id = await createSurvey(admin, { title: "不可改", kind: "household", draft: definition("x") });
    const { id: versionId } = (await publishSurvey(admin, id))!;
    await expect(sql`update survey_versions set title = 'changed' where id = ${versionId}`).rejects.toThrow(/immutable/);
    await expect(sql`update survey_versions set definition = '{}' where id = ${versionId}`).rejects.toThrow(/immutable/);
    await expect(sql`delete from survey_versions where id = ${versionId}`).rejects.toThrow(/immutable/);
    expect((await getSurveyVersion(county.id, id, 1))?.title).toBe("不可改");
  });

  it("keeps another county's surveys out of reach", async () => {
    const other = await createCounty("svy2", "别的县");
    const id = await createSurvey(admin, { title: "本县问卷", kind: "household", draft: definition("q") });
    expect(await getSurvey(other.id, id)).toBeNull();
    expect(await publishSurvey({ id: null, countyId: other.id }, id)).toBeNull();
    expect(await saveDraft(other.id, id, { title: "x", draft: {} })).toBe(false);
    expect(await listSurveys(other.id)).toEqual([]);
  });
});

describe("definitionText", () => {
  it("shows a stored definition with the title first and each question's type before its name", async () => {
    const id = await createSurvey(admin, { title: "顺序", kind: "household", draft: definition("env") });
    const text = definitionText((await getSurvey(county.id, id))!.draft);
    const lines = text.split("\n");
    expect(lines[1]).toBe('  "title": "测试问卷",');
    expect(lines[2]).toBe('  "pages": [');
    expect(text.indexOf('"type": "radiogroup"')).toBeLessThan(text.indexOf('"name": "env"'));
    expect(text).toContain('"choices": ["满意", "基本满意", "不满意"]');
    expect(JSON.parse(text)).toEqual(definition("env"));
  });
});

// ---- the routes, as the browser calls them ----

const context = { cspNonce: "", clientIp: "127.0.0.1" };

function post(url: string, cookie: string, fields: Record<string, string | File>) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return new Request(`http://test${url}`, { method: "POST", body, headers: { Cookie: cookie } });
}

type Result = { data: { ok?: boolean; errors?: { key: string; line: number | null }[] }; init: { status?: number } | null };

async function edit(surveyId: number, fields: Record<string, string>, cookie = adminCookie) {
  const request = post(`/surveys/${surveyId}`, cookie, fields);
  return (await editorAction({ request, params: { surveyId: String(surveyId) }, context })) as unknown as Result;
}

async function auditCount(action: string) {
  const [{ n }] = await sql<
    { n: number }[]
  >`select count(*)::int as n from audit_log where action = ${action} and county_id = ${county.id}`;
  return n;
}

describe("the editor refuses bad definitions and saves nothing", () => {
  let surveyId: number;
  const stored = () => getSurvey(county.id, surveyId).then((s) => s!.draft);

  beforeAll(async () => {
    surveyId = await createSurvey(admin, { title: "编辑器", kind: "household", draft: definition("env") });
  });

  it("malformed JSON: 422 with the line of the mistake", async () => {
    const text = definitionText(definition("env")).replace('"name": "env",', '"name": "env"');
    const line = text.split("\n").findIndex((l) => l.includes('"name": "env"')) + 1;
    const result = await edit(surveyId, { intent: "save", title: "编辑器", definition: text });
    expect(result.init?.status).toBe(422);
    expect(result.data.errors?.[0].key).toMatch(/^surveyDef\./);
    // JSON.parse notices the missing comma at the start of the next line.
    expect([line, line + 1]).toContain(result.data.errors?.[0].line);
    expect(await stored()).toEqual(definition("env"));
  });

  it("oversized JSON: 413 with the limit, nothing saved, nothing published", async () => {
    const big = { ...definition("env"), description: "长".repeat(MAX_DEFINITION_BYTES / 3 + 10) };
    for (const intent of ["save", "publish"]) {
      const result = await edit(surveyId, { intent, title: "编辑器", definition: JSON.stringify(big) });
      expect(result.init?.status).toBe(413);
      expect(result.data.errors).toEqual([{ key: "surveys.tooLarge", params: { max: 512 }, line: null }]);
    }
    expect(await stored()).toEqual(definition("env"));
    expect(await listVersions(county.id, surveyId)).toEqual([]);
  });

  it("unknown property: 422 pointing at its line", async () => {
    const bad = definition("env");
    Object.assign(bad.pages[0].elements[0], { colour: "red" });
    const text = definitionText(bad);
    const line = text.split("\n").findIndex((l) => l.includes('"colour"')) + 1;
    const result = await edit(surveyId, { intent: "publish", confirmed: "yes", title: "编辑器", definition: text });
    expect(result.init?.status).toBe(422);
    expect(result.data.errors).toContainEqual(expect.objectContaining({ line }));
    expect(JSON.stringify(result.data.errors)).toContain("colour");
    expect(await stored()).toEqual(definition("env"));
    expect(await listVersions(county.id, surveyId)).toEqual([]);
  });

  it("bad expression: 422 pointing at its line", async () => {
    const bad = definition("env", "why");
    Object.assign(bad.pages[0].elements[1], { visibleIf: "{env} = = '不满意'" });
    const text = definitionText(bad);
    const line = text.split("\n").findIndex((l) => l.includes('"visibleIf"')) + 1;
    const result = await edit(surveyId, { intent: "save", title: "编辑器", definition: text });
    expect(result.init?.status).toBe(422);
    expect(result.data.errors).toContainEqual(expect.objectContaining({ line }));
    expect(await stored()).toEqual(definition("env"));
  });

  it("a good definition is saved, then published as version 1 and audited once", async () => {
    const good = definition("env", "why");
    Object.assign(good.pages[0].elements[1], { visibleIf: "{env} = '不满意'" });
    const saved = await edit(surveyId, { intent: "save", title: "编辑器（改）", definition: definitionText(good) });
    expect(saved.data).toEqual({ ok: true, saved: true });
    expect(await getSurvey(county.id, surveyId)).toMatchObject({ title: "编辑器（改）", draft: good });

    const before = await auditCount("survey.publish");
    const published = await edit(surveyId, {
      intent: "publish",
      confirmed: "yes",
      title: "编辑器（改）",
      definition: definitionText(good),
    });
    expect(published.data).toEqual({ ok: true, published: { version: 1, created: true } });
    const unchanged = await edit(surveyId, {
      intent: "publish",
      confirmed: "yes",
      title: "编辑器（改）",
      definition: definitionText(good),
    });
    expect(unchanged.data).toEqual({ ok: true, published: { version: 1, created: false } });
    expect(await auditCount("survey.publish")).toBe(before + 1);
  });

  it("a viewer may not open or change the editor", async () => {
    const request = new Request(`http://test/surveys/${surveyId}`, { headers: { Cookie: viewerCookie } });
    await expect(editorLoader({ request, params: { surveyId: String(surveyId) }, context })).rejects.toMatchObject({ status: 403 });
    await expect(edit(surveyId, { intent: "save", title: "x", definition: "{}" }, viewerCookie)).rejects.toMatchObject({ status: 403 });
  });

  it("another county's survey is 404", async () => {
    const other = await createCounty("svy3", "第三县");
    const foreign = await createSurvey({ id: null, countyId: other.id }, { title: "外县", kind: "household", draft: definition("q") });
    await expect(
      edit(foreign, { intent: "publish", confirmed: "yes", title: "外县", definition: definitionText(definition("q")) }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await listVersions(other.id, foreign)).toEqual([]);
  });
});

describe("creating", () => {
  const create = async (fields: Record<string, string>) =>
    (await newAction({ request: post("/surveys/new", adminCookie, fields), params: {}, context })) as Response;
  const idOf = (response: Response) => Number(response.headers.get("Location")!.split("/").pop());

  it("from the household template: a draft equal to the shipped file, audited, and clean in the editor", async () => {
    const before = await auditCount("survey.create");
    const response = await create({ intent: "template", template: "household-satisfaction.json" });
    expect(response.status).toBe(302);
    const survey = (await getSurvey(county.id, idOf(response)))!;
    expect(survey).toMatchObject({ kind: "household", title: "创建全国文明城市群众满意度入户调查问卷", latestVersion: null });
    expect(survey.draft).toEqual(loadTemplate("household-satisfaction.json"));
    expect(checkDefinitionText(definitionText(survey.draft))).toMatchObject({ ok: true });
    expect(await auditCount("survey.create")).toBe(before + 1);
  });

  it("blank: one question to start from, which passes the check", async () => {
    const response = await create({ intent: "blank", title: "空白", kind: "other" });
    const survey = (await getSurvey(county.id, idOf(response)))!;
    expect(survey).toMatchObject({ title: "空白", kind: "other" });
    expect(checkDefinitionText(definitionText(survey.draft))).toMatchObject({ ok: true });
  });

  it("refuses an unknown template, a missing name or kind", async () => {
    await expect(create({ intent: "template", template: "../package.json" })).rejects.toMatchObject({ status: 404 });
    const noTitle = (await create({ intent: "blank", title: " ", kind: "household" })) as unknown as Result;
    expect(noTitle.init?.status).toBe(400);
    const badKind = (await create({ intent: "blank", title: "x", kind: "poll" })) as unknown as Result;
    expect(badKind.init?.status).toBe(400);
  });
});

describe("import and export", () => {
  const file = (text: string, name = "问卷.json") => new File([text], name, { type: "application/json" });
  const surveyCount = async () => (await listSurveys(county.id)).length;

  it("imports a valid file as a new draft named after its title, and audits it", async () => {
    const before = await auditCount("survey.import");
    const request = post("/surveys/new", adminCookie, {
      intent: "import",
      kind: "quiz",
      file: file(JSON.stringify({ ...definition("k1"), title: "应知应会" })),
    });
    const response = (await newAction({ request, params: {}, context })) as Response;
    expect(response.status).toBe(302);
    const id = Number(response.headers.get("Location")!.split("/").pop());
    expect(await getSurvey(county.id, id)).toMatchObject({ title: "应知应会", kind: "quiz", latestVersion: null });
    expect(await auditCount("survey.import")).toBe(before + 1);
  });

  it("refuses a malformed, an oversized or an invalid file and creates nothing", async () => {
    const before = await surveyCount();
    const cases: [string, number][] = [
      ['{ "title": "坏的", ', 422],
      [JSON.stringify({ ...definition("env"), description: "x".repeat(MAX_DEFINITION_BYTES) }), 413],
      [JSON.stringify({ ...definition("env"), pages: [{ name: "p", elements: [{ ...question("q"), bogus: 1 }] }] }), 422],
    ];
    for (const [text, status] of cases) {
      const request = post("/surveys/new", adminCookie, { intent: "import", kind: "household", file: file(text) });
      const result = (await newAction({ request, params: {}, context })) as unknown as Result;
      expect(result.init?.status).toBe(status);
      expect(result.data.errors?.length).toBeGreaterThan(0);
    }
    expect(await surveyCount()).toBe(before);
  });

  it("exports the draft or a version as a .json file with a Chinese file name", async () => {
    const id = await createSurvey(admin, { title: "导出", kind: "household", draft: definition("env") });
    await publishSurvey(admin, id);
    await saveDraft(county.id, id, { title: "导出", draft: definition("env", "more") });
    const get = (query: string) =>
      exportLoader({
        request: new Request(`http://test/surveys/${id}/export${query}`, { headers: { Cookie: adminCookie } }),
        params: { surveyId: String(id) },
        context,
      });
    const draft = await get("");
    expect(draft.headers.get("Content-Disposition")).toBe(`attachment; filename*=UTF-8''${encodeURIComponent("导出（草稿）.json")}`);
    expect(JSON.parse(await draft.text())).toEqual(definition("env", "more"));
    const v1 = await get("?version=1");
    expect(v1.headers.get("Content-Disposition")).toContain(encodeURIComponent("导出（第1版）.json"));
    expect(JSON.parse(await v1.text())).toEqual(definition("env"));
    await expect(get("?version=2")).rejects.toMatchObject({ status: 404 });
  });
});
