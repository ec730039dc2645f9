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
import { CLIENT } from "./helpers";

const context = { cspNonce: "", clientIp: "127.0.0.1" };
let cookie: string;

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
    await sql<{ imports: number; uploads: number; surveys: number }[]>`
    select (select count(*)::int from register_imports) as imports,
           (select count(*)::int from response_uploads) as uploads,
           (select count(*)::int from surveys) as surveys`
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
