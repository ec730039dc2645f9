// Every upload (register import, response import, questionnaire JSON) tells an empty file apart
// from no file at all, in Chinese, and an empty file changes nothing.
import type { ActionFunctionArgs } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { translate } from "~/i18n";
import { createCounty } from "~/models/counties.server";
import { createUser, signIn } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { action as registerAction } from "~/routes/register.import";
import { action as responsesAction } from "~/routes/responses.import";
import { action as surveysAction } from "~/routes/surveys.new";
import { action as surveyAction } from "~/routes/surveys.$surveyId";
import { action as ticketImportAction } from "~/routes/tickets.import._index";
import { createSurvey } from "~/models/surveys.server";
import { CLIENT } from "./helpers";

const context = { cspNonce: "", clientIp: "127.0.0.1" };
let cookie: string;
let surveyId: number;

beforeAll(async () => {
  const county = await createCounty("up", "上传县");
  await createUser(county.id, {
    username: "up-admin",
    displayName: "管理员",
    phone: null,
    role: "admin",
    scope: { placeId: county.rootPlaceId },
    password: "secret123",
  });
  const session = await signIn("up-admin", "secret123", CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  cookie = (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
  surveyId = await createSurvey({ id: null, countyId: county.id }, { title: "原标题", kind: "household", draft: { pages: [] } });
});

type Issues = { key: string; params: Record<string, string | number> }[];
type Outcome = { status: number | undefined; messages: string[] };

async function upload(
  action: (args: ActionFunctionArgs) => Promise<unknown>,
  url: string,
  fields: Record<string, string | File>,
  issuesOf: (data: Record<string, unknown>) => Issues,
): Promise<Outcome> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  const request = new Request(`http://test${url}`, { method: "POST", body, headers: { Cookie: cookie } });
  const result = (await action({ request, params: {}, context })) as { data: Record<string, unknown>; init: { status?: number } | null };
  return { status: result.init?.status, messages: issuesOf(result.data).map((i) => translate("zh", i.key, i.params)) };
}

const empty = (name: string) => new File([], name, { type: "text/csv" });
const rowCounts = async () =>
  (
    await sql<{ imports: number; uploads: number; surveys: number; tickets: number; drafts: string }[]>`
    select (select count(*)::int from register_imports) as imports,
           (select count(*)::int from response_uploads) as uploads,
           (select count(*)::int from surveys) as surveys,
           (select count(*)::int from ticket_imports) as tickets,
           (select string_agg(title || draft::text, '|' order by id) from surveys) as drafts`
  )[0];

const UPLOADS: {
  what: string;
  action: (args: ActionFunctionArgs) => Promise<unknown>;
  url: string;
  fields: Record<string, string>;
  file: string;
  issues: (d: Record<string, unknown>) => Issues;
}[] = [
  {
    what: "register import",
    action: registerAction,
    url: "/register/import",
    fields: {},
    file: "登记.csv",
    issues: (d: Record<string, unknown>) => d.issues as Issues,
  },
  {
    what: "response import",
    action: responsesAction,
    url: "/responses/import",
    fields: { campaign: "1" },
    file: "答卷.xlsx",
    issues: (d: Record<string, unknown>) => d.issues as Issues,
  },
  {
    what: "questionnaire JSON",
    action: surveysAction,
    url: "/surveys/new",
    fields: { intent: "import", kind: "household" },
    file: "问卷.json",
    issues: (d: Record<string, unknown>) => d.errors as Issues,
  },
];

describe.each(UPLOADS)("$what", ({ action, url, fields, file, issues }) => {
  it("a 0-byte file is called empty, by name, and nothing is stored", async () => {
    const before = await rowCounts();
    const outcome = await upload(action, url, { ...fields, file: empty(file) }, issues);
    expect(outcome.status).toBe(400);
    expect(outcome.messages).toEqual([`文件“${file}”是空的（0 字节），请检查文件内容后重新选择。`]);
    expect(await rowCounts()).toEqual(before);
  });

  it("no file at all still asks for one", async () => {
    const outcome = await upload(action, url, fields, issues);
    expect(outcome.status).toBe(400);
    expect(outcome.messages).toHaveLength(1);
    expect(outcome.messages[0]).toMatch(/^请选择/);
  });
});

// Remix's multipart parser throws a TypeError ("Could not parse content as FormData") at a body
// that is not multipart/form-data with a boundary: a 500 until readUpload checked it first.
describe("an upload form posted without multipart/form-data", () => {
  const FORMS: {
    what: string;
    action: (args: ActionFunctionArgs) => Promise<unknown>;
    url: () => string;
    params: () => Record<string, string>;
  }[] = [
    { what: "new questionnaire", action: surveysAction, url: () => "/surveys/new", params: () => ({}) },
    {
      what: "questionnaire draft",
      action: surveyAction,
      url: () => `/surveys/${surveyId}`,
      params: () => ({ surveyId: String(surveyId) }),
    },
    { what: "register import", action: registerAction, url: () => "/register/import", params: () => ({}) },
    { what: "ticket import", action: ticketImportAction, url: () => "/tickets/import", params: () => ({}) },
  ];
  const BODIES: { type: string; body: string }[] = [
    { type: "application/json", body: JSON.stringify({ intent: "import", title: "改掉", definition: "{}" }) },
    { type: "text/plain", body: "intent=import&title=x" },
    { type: "multipart/form-data", body: '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--x--' },
  ];

  it.each(FORMS)("$what: 400 with a Chinese reason, and nothing changes", async ({ action, url, params }) => {
    for (const { type, body } of BODIES) {
      const before = await rowCounts();
      const request = new Request(`http://test${url()}`, { method: "POST", body, headers: { Cookie: cookie, "Content-Type": type } });
      const thrown = await Promise.resolve(action({ request, params: params(), context })).then(
        () => null,
        (error: unknown) => error,
      );
      expect(thrown, type).toBeInstanceOf(Response);
      const response = thrown as Response;
      expect(response.status, type).toBe(400);
      expect(await response.text()).toMatch(/^请求的格式不正确/);
      expect(await rowCounts()).toEqual(before);
    }
  });

  it("the register import's confirm step refuses a JSON body the same way, and still takes its own form", async () => {
    const json = new Request("http://test/register/import", {
      method: "POST",
      body: JSON.stringify({ intent: "cancel", importId: 1 }),
      headers: { Cookie: cookie, "Content-Type": "application/json" },
    });
    const thrown = await Promise.resolve(registerAction({ request: json, params: {}, context })).catch((error: unknown) => error);
    expect((thrown as Response).status).toBe(400);
    const form = new Request("http://test/register/import", {
      method: "POST",
      body: new URLSearchParams({ intent: "cancel", importId: "1" }),
      headers: { Cookie: cookie },
    });
    const result = (await registerAction({ request: form, params: {}, context })) as { data: { stage: string } };
    expect(result.data.stage).toBe("cancelled");
  });
});
