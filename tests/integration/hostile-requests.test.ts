// Hostile requests that are not malformed files: a JSON body posted to every page that takes a
// form (400, not a 500), one client hammering a resident link's counters (counted once) beside
// fifty phones behind one address (all counted), the resident submit's 503 body, and the pruning
// of failed sign-ins.
import type { ActionFunctionArgs, ServerBuild } from "@remix-run/node";
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, setCampaignState } from "~/models/campaigns.server";
import { flushLinkCounters, LINK_ADDRESS_CEILING } from "~/models/link-counters.server";
import { handleSubmissionOf, residentPage } from "~/models/resident.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { pruneLoginFailures, signIn } from "~/models/users.server";
import { action as startAction } from "~/routes/s.$code.start";
import { isApiRoute, ROUTE_ACCESS } from "~/utils/route-access";
import { commitSession } from "~/utils/session.server";
import { guardBuild } from "~/utils/unavailable.server";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { generateDemoRegister } from "../../db/seed/demo-county";
import { CLIENT } from "./helpers";

const PHONE_UA = "Mozilla/5.0 (Linux; Android 10; V2001A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
const DEFINITION = {
  title: "满意度",
  pages: [{ elements: [{ type: "radiogroup", name: "env", title: "环境卫生满意吗？", isRequired: true, choices: ["满意", "不满意"] }] }],
};

let countyId: number;
let cookie: string;
let versionId: number;
let code: string;
let linkId: number;

beforeAll(async () => {
  // The demo county's first compound: its accounts, and buildings to put links on.
  const register = generateDemoRegister();
  ({ countyId } = await seedDemoCounty(register.filter((row) => row.compound === register[0].compound)));
  const session = await signIn("admin", DEMO_PASSWORD, CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  cookie = (await commitSession(new Request("http://localhost/"), session.token)).split(";")[0];
  const surveyId = await createSurvey({ id: null, countyId }, { title: "满意度", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
});

async function openCampaign() {
  const [place] = await sql<{ id: number }[]>`
    select id from places where county_id = ${countyId} and level = 'building' order by id limit 1`;
  const created = await createCampaign(
    { id: null, countyId },
    {
      code: `h-${Math.random().toString(36).slice(2, 8)}`,
      name: "敌意批次",
      surveyVersionId: versionId,
      opensAt: new Date(Date.now() - 3600_000),
      closesAt: new Date(Date.now() + 86400_000),
      duplicatePolicy: "unlimited",
      targetPlaceIds: [place.id],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  await setCampaignState(countyId, created.id, "open");
  const [link] = await sql<{ id: number; code: string }[]>`
    select id, code from campaign_links where campaign_id = ${created.id} and place_id = ${place.id}`;
  return link;
}

const counters = async (id: number) => {
  await flushLinkCounters();
  const [row] = await sql<{ opens: number; starts: number; completions: number }[]>`
    select opens, starts, completions from campaign_links where id = ${id}`;
  return row;
};

/** GET /s/<code> as server.ts passes it: the device cookie it was given back, if any. */
async function open(address: string, device: string | null) {
  const headers = new Headers({ "User-Agent": PHONE_UA, ...(device ? { Cookie: device } : {}) });
  const page = await residentPage({ method: "GET", url: `http://localhost/s/${code}`, headers, address }, code);
  expect(page?.status).toBe(200);
  return page!.headers["Set-Cookie"]?.split(";")[0] ?? device;
}

async function start(address: string, device: string | null) {
  const headers = new Headers({ "User-Agent": PHONE_UA, ...(device ? { Cookie: device } : {}) });
  const request = new Request(`http://localhost/s/${code}/start`, { method: "POST", headers });
  const response = (await startAction({ request, params: { code }, context: { cspNonce: "", clientIp: address } })) as Response;
  expect(response.status).toBe(204);
}

function submit(device: string | null, key: string) {
  const body = new URLSearchParams({ __key: key, __version: String(versionId), env: "满意" }).toString();
  const headers = new Headers({
    "Content-Type": "application/x-www-form-urlencoded",
    "User-Agent": PHONE_UA,
    ...(device ? { Cookie: device } : {}),
  });
  return handleSubmissionOf({ headers, body: { text: body, complete: true } }, code);
}

describe("a resident link's counters", () => {
  beforeAll(async () => {
    ({ id: linkId, code } = await openCampaign());
  });

  it("count one client hammering with its cookie once, and without cookies at most the address ceiling", async () => {
    const before = await counters(linkId);
    const device = await open("10.0.0.1", null);
    for (let i = 0; i < 300; i++) await open("10.0.0.1", device);
    for (let i = 0; i < 300; i++) await start("10.0.0.1", device);
    const one = await counters(linkId);
    expect(one.opens - before.opens).toBe(1);
    expect(one.starts - before.starts).toBe(1);
    // Dropping the cookie every time (a script): every page is still served, counted up to the ceiling.
    for (let i = 0; i < LINK_ADDRESS_CEILING + 100; i++) await open("10.0.0.2", null);
    for (let i = 0; i < LINK_ADDRESS_CEILING + 100; i++) await start("10.0.0.2", null);
    const script = await counters(linkId);
    expect(script.opens - one.opens).toBe(LINK_ADDRESS_CEILING);
    expect(script.starts - one.starts).toBe(LINK_ADDRESS_CEILING);
  });

  it("count fifty phones behind one address, each once, and store their fifty answers", async () => {
    const before = await counters(linkId);
    const phones: string[] = [];
    // A community centre's Wi-Fi: one address, fifty phones, each opening the poster's link twice.
    for (let i = 0; i < 50; i++) phones.push((await open("192.168.1.1", null))!);
    expect(new Set(phones).size).toBe(50);
    await Promise.all(phones.map((device) => open("192.168.1.1", device)));
    await Promise.all(phones.map((device) => start("192.168.1.1", device)));
    const outcomes = await Promise.all(phones.map((device, i) => submit(device, `crowd-${i}-${linkId}-key`)));
    expect(outcomes.map((o) => o.status)).toEqual(phones.map(() => 200));
    const after = await counters(linkId);
    expect(after).toEqual({ opens: before.opens + 50, starts: before.starts + 50, completions: before.completions + 50 });
    const [stored] = await sql<{ n: number }[]>`select count(*)::int as n from responses where link_id = ${linkId}`;
    expect(stored.n).toBe(before.completions + 50);
  });

  it("are kept per visitor and day in PostgreSQL, where another instance's requests count against the same rows", async () => {
    const rows = await sql<{ visitor: string; hits: number }[]>`
      select visitor, hits from link_visitors where link_id = ${linkId} and event = 'opens' and visitor like 'a:%' order by visitor`;
    expect(rows).toEqual([
      { visitor: "a:10.0.0.1", hits: 1 },
      { visitor: "a:10.0.0.2", hits: LINK_ADDRESS_CEILING + 100 },
      { visitor: "a:192.168.1.1", hits: 50 },
    ]);
    // What another instance flushed first: this device already opened the link today.
    const device = await open("10.0.0.3", null);
    await flushLinkCounters();
    const before = await counters(linkId);
    await sql`update link_visitors set hits = hits + 5 where link_id = ${linkId} and visitor = ${"d:" + device!.split("=")[1]}`;
    await open("10.0.0.3", device);
    expect((await counters(linkId)).opens).toBe(before.opens);
  });
});

describe("the resident submit when the database takes no writes", () => {
  it("answers 503 with error and reason, as every other 503 of the app", async () => {
    ({ id: linkId, code } = await openCampaign());
    // The responses table refusing writes as a read-only database does (SQLSTATE 25006).
    await sql`
      create function refuse_writes() returns trigger language plpgsql as $$
      begin raise exception 'cannot execute INSERT in a read-only transaction' using errcode = '25006'; end $$`;
    await sql`create trigger refuse_writes before insert on responses for each statement execute function refuse_writes()`;
    try {
      const result = await submit(null, `readonly-${linkId}-key`);
      expect(result.status).toBe(503);
      expect(result.outcome).toEqual({ ok: false, error: "unavailable", reason: "unavailable" });
    } finally {
      await sql`drop trigger refuse_writes on responses`;
      await sql`drop function refuse_writes()`;
    }
    expect((await submit(null, `readonly-${linkId}-key`)).status).toBe(200);
  });
});

describe("failed sign-ins", () => {
  it("are pruned once older than the throttle's window, at a sign-in attempt; recent ones stay", async () => {
    await sql`
      insert into login_failures (identifier, ip, created_at)
      values ('old-1', '10.9.9.9', now() - interval '2 days'), ('old-2', null, now() - interval '16 minutes'),
             ('recent', '10.9.9.9', now() - interval '14 minutes')`;
    expect(await pruneLoginFailures()).toBeGreaterThanOrEqual(2);
    const left = await sql<
      { identifier: string }[]
    >`select identifier from login_failures where identifier in ('old-1', 'old-2', 'recent')`;
    expect(left.map((r) => r.identifier)).toEqual(["recent"]);
  });
});

// Remix's request.formData() throws a TypeError at a body that is not a form: a 500 on every page
// action until guardBuild made it a 400. The build here is the route modules as server.ts wraps them.
describe("a JSON body posted to a page's action", () => {
  const PAGES = Object.entries(ROUTE_ACCESS)
    .filter(([file, access]) => access.POST && access.POST.kind !== "methodNotAllowed" && !isApiRoute(file))
    .map(([file]) => file)
    .sort();
  let build: ServerBuild;
  beforeAll(async () => {
    const routes: ServerBuild["routes"] = {};
    const files = new Map(readdirSync(new URL("../../app/routes", import.meta.url)).map((f) => [f.replace(/\.tsx?$/, ""), f]));
    for (const file of PAGES) {
      const module = (await import(`../../app/routes/${files.get(file)}`)) as ServerBuild["routes"][string]["module"];
      routes[file] = { id: file, path: file, module };
    }
    build = guardBuild({ routes } as ServerBuild);
  });

  async function post(file: string, type: string, body: string) {
    const request = new Request(`http://localhost/${file}`, {
      method: "POST",
      body,
      headers: { Cookie: cookie, "Content-Type": type, Origin: "http://localhost", "User-Agent": PHONE_UA },
    });
    const args = {
      request,
      params: { code: "nosuch", campaignId: "1", userId: "1", ticketId: "1", importId: "1", round: "x", code_: "x" },
      context: { cspNonce: "", clientIp: "127.0.0.1" },
    };
    const action = build.routes[file]!.module.action as (a: ActionFunctionArgs) => Promise<unknown>;
    try {
      const result = await action(args as unknown as ActionFunctionArgs);
      if (result instanceof Response) return { status: result.status, text: await result.text() };
      const init = (result as { init?: { status?: number } | null }).init;
      return { status: init?.status ?? 200, text: JSON.stringify((result as { data?: unknown }).data ?? result) };
    } catch (thrown) {
      if (thrown instanceof Response) return { status: thrown.status, text: await thrown.text() };
      throw thrown;
    }
  }

  it("covers the page routes that take a post", () => {
    expect(PAGES.length).toBeGreaterThanOrEqual(18);
  });

  it.each(["login", "account", "campaigns.new", "rounds._index", "admin.users.new", "hotline.sample", "coverage.review", "lang"])(
    "%s answers 400 with the reason in Chinese",
    async (file) => {
      const got = await post(file, "application/json", JSON.stringify({ intent: "x", username: "a", password: "b" }));
      expect(got.status).toBe(400);
      expect(got.text).toContain("请求的格式不正确");
    },
  );

  it("every page route answers a JSON, text or broken multipart body with a 4xx, never a 500", async () => {
    const bodies: [string, string][] = [
      ["application/json", JSON.stringify({ intent: "delete", confirmed: "yes" })],
      ["text/plain", "intent=delete&confirmed=yes"],
      ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb'],
      ["multipart/form-data", "no boundary"],
    ];
    const statuses = new Map<number, number>();
    for (const file of PAGES)
      for (const [type, body] of bodies) {
        const got = await post(file, type, body);
        statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1);
        // A 3xx is logout's (it reads no body); every route that reads a form says 400.
        expect(got.status, `${file} ${type}`).toBeLessThan(500);
        if (got.status !== 400) expect(got.text, `${file} ${type}`).not.toContain("请求的格式不正确");
      }
    // The others stop before the body: a path id not found (404), logout (302).
    expect(statuses.get(400)).toBeGreaterThanOrEqual(12 * bodies.length);
    console.log(`[hostile] non-form bodies to ${PAGES.length} page actions: ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
