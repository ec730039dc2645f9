// Every route × every role, signed out, and an account of another county, through the app's own
// request handler (Remix's server build from Vite, as `npm run dev` serves it) with real session
// cookies, held to app/utils/route-access.ts; a route file without an entry fails. Then scope
// tampering: community staff asking for another community's data by path, query, form field and
// JSON body, and the other county's admin asking for this county's by every id.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { sql } from "~/db.server";
import { createApiToken } from "~/models/api-tokens.server";
import { createCampaign } from "~/models/campaigns.server";
import { drawSpotChecks } from "~/models/spot-checks.server";
import { createTicketImport } from "~/models/ticket-import.server";
import { createUser, signIn } from "~/models/users.server";
import { roundByCode } from "~/models/visits.server";
import { ROLES, type Role } from "~/utils/permissions";
import { allows, isApiRoute, ROUTE_ACCESS, routePath, type Rule } from "~/utils/route-access";
import { commitSession } from "~/utils/session.server";
import { seedDemoCampaigns, seedDemoCounty, seedDemoRoundForms, seedDepartmentAccount, DEMO_PASSWORD } from "../../db/seed/index";
import { generateDemoRegister } from "../../db/seed/demo-county";
import { seedDemoResponses } from "../../db/seed/demo-responses";
import { seedDemoVisits, DEMO_ROUND } from "../../db/seed/demo-visits";
import { seedDemoCallbacks } from "../../db/seed/demo-callbacks";
import { CLIENT, createCounty } from "./helpers";

const ROOT = new URL("../..", import.meta.url).pathname;
const ROUTE_FILES = readdirSync(path.join(ROOT, "app/routes"))
  // As remix.config.js: tests and dot files beside the routes are not routes.
  .filter((f) => /\.tsx?$/.test(f) && !f.startsWith(".") && !/\.test\./.test(f))
  .map((f) => f.replace(/\.tsx?$/, ""))
  .sort();

type Caller = { name: string; username: string | null; role: Role | null; otherCounty?: boolean };
/** One account per role of the demo county (its demo accounts, `dept` the department), and no session. */
const CALLERS: Caller[] = [
  { name: "signed out", username: null, role: null },
  { name: "admin", username: "admin", role: "admin" },
  { name: "street_staff", username: "street", role: "street_staff" },
  { name: "community_staff", username: "community", role: "community_staff" },
  { name: "grid_leader", username: "grid", role: "grid_leader" },
  { name: "volunteer", username: "volunteer", role: "volunteer" },
  { name: "hotline_agent", username: "hotline", role: "hotline_agent" },
  { name: "department", username: "dept", role: "department" },
  { name: "viewer", username: "viewer", role: "viewer" },
];
/** The admin of another county: every permission, none of this county's data. */
const OUTSIDER: Caller = { name: "other county", username: "outsider", role: "admin", otherCounty: true };
/** Text only this county's pages show: its name and the community staff's community. */
const COUNTY_MARKERS = ["青禾县", "锦湖社区"];

let vite: ViteDevServer;
let build: ServerBuild;
let handle: (request: Request) => Promise<Response>;
let countyId: number;
const cookies = new Map<string, Promise<string>>();

type Ids = {
  communityA: number;
  communityB: number;
  building: number;
  buildingB: number;
  grid: number;
  campaign: number;
  householdCampaign: number;
  linkCode: string;
  linkCodeB: string;
  response: number;
  responseB: number;
  user: number;
  spotCheck: number;
  spotCheckB: number;
  ticket: number;
  ticketImport: number;
  survey: number;
};
let ids: Ids;

async function freshCookie(username: string) {
  const session = await signIn(username, DEMO_PASSWORD, CLIENT);
  if (!session.ok) throw new Error(`sign-in failed: ${username} (${session.reason})`);
  return (await commitSession(new Request("http://localhost/"), session.token)).split(";")[0];
}

async function cookieOf(caller: Caller) {
  if (!caller.username) return null;
  // One sign-in per account however many routes ask at once: concurrent attempts from one
  // address count against the sign-in throttle until each is judged.
  if (!cookies.has(caller.username)) cookies.set(caller.username, freshCookie(caller.username));
  return cookies.get(caller.username)!;
}

type Sent = { status: number; location: string | null; body: string };

async function send(
  url: string,
  cookie: string | null,
  init: { method?: "GET" | "POST"; form?: Record<string, string>; json?: unknown } = {},
): Promise<Sent> {
  const headers = new Headers({ Host: "localhost", Origin: "http://localhost", "User-Agent": "vitest" });
  if (cookie) headers.set("Cookie", cookie);
  let body: string | undefined;
  let form: FormData | undefined;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  } else if (init.form) {
    // Multipart, as the upload forms send it; the other forms read it the same.
    form = new FormData();
    for (const [name, value] of Object.entries(init.form)) form.append(name, value);
  }
  const response = await handle(new Request(`http://localhost${url}`, { method: init.method ?? "GET", headers, body: body ?? form }));
  const text = await response.text();
  return { status: response.status, location: response.headers.get("location"), body: text };
}

/** A concrete URL for every route file, with ids every account of the county can see where it may. */
function urlOf(file: string): string {
  const i = ids;
  const urls: Record<string, string> = {
    $: "/no/such/page",
    _index: "/",
    account: "/account",
    "admin.audit": "/admin/audit",
    "admin.tokens": "/admin/tokens",
    "admin.users.$userId": `/admin/users/${i.user}`,
    "admin.users._index": "/admin/users",
    "admin.users.new": "/admin/users/new",
    "api.coverage": `/api/coverage?round=${DEMO_ROUND}`,
    "api.rates": "/api/rates?campaign=demo",
    "api.spot-checks.assignment": `/api/spot-checks/assignment?check=${i.spotCheck}`,
    "api.spot-checks": "/api/spot-checks",
    "api.ticket-rates": "/api/ticket-rates",
    "api.tickets": "/api/tickets",
    "api.visits.assignment": `/api/visits/assignment?round=${DEMO_ROUND}`,
    "api.visits.forms": "/api/visits/forms",
    "api.visits": "/api/visits",
    "bulletin._index": "/bulletin?campaign=demo",
    "bulletin.xlsx": "/bulletin/xlsx?campaign=demo",
    "campaigns.$campaignId": `/campaigns/${i.campaign}`,
    "campaigns.$campaignId_.codes.$placeId": `/campaigns/${i.householdCampaign}/codes/${i.building}`,
    "campaigns.$campaignId_.links[.]csv": `/campaigns/${i.campaign}/links.csv`,
    "campaigns.$campaignId_.posters.$placeId": `/campaigns/${i.campaign}/posters/${i.building}`,
    "campaigns.$campaignId_.qr.$linkCode": `/campaigns/${i.campaign}/qr/${i.linkCode}`,
    "campaigns._index": "/campaigns",
    "campaigns.new": "/campaigns/new",
    "coverage._index": `/coverage?round=${DEMO_ROUND}`,
    "coverage.building.$placeId": `/coverage/building/${i.building}?round=${DEMO_ROUND}`,
    "coverage.lists[.]xlsx": `/coverage/lists.xlsx?round=${DEMO_ROUND}`,
    "coverage.review": `/coverage/review?round=${DEMO_ROUND}`,
    "coverage.spot-checks.$id": `/coverage/spot-checks/${i.spotCheck}`,
    "coverage.spot-checks._index": `/coverage/spot-checks?round=${DEMO_ROUND}`,
    "grids.$gridId": `/grids/${i.grid}`,
    "grids._index": "/grids",
    healthz: "/healthz",
    "hotline._index": "/hotline",
    "hotline.followups": "/hotline/followups",
    "hotline.rates": "/hotline/rates",
    "hotline.sample": "/hotline/sample",
    "hotline.tickets.$ticketId": `/hotline/tickets/${i.ticket}`,
    lang: "/lang",
    login: "/login",
    logout: "/logout",
    "places.$placeId": `/places/${i.building}`,
    "places._index": "/places",
    "planning._index": "/planning?campaign=demo",
    "planning.forecast": "/planning/forecast?campaign=demo",
    "planning.sample": "/planning/sample?campaign=demo&seed=7",
    "rates.$placeId": `/rates/${i.building}?campaign=demo`,
    "rates._index": "/rates?campaign=demo",
    "rates.compare": "/rates/compare?campaign=demo&other=demo-w1",
    "rates.trends": "/rates/trends?campaign=demo",
    "register.import": "/register/import",
    "register.template": "/register/template",
    "responses.$responseId": `/responses/${i.response}`,
    "responses._index": "/responses",
    "responses.export": "/responses/export",
    "responses.import": "/responses/import",
    "rounds.$code": `/rounds/${DEMO_ROUND}`,
    "rounds._index": "/rounds",
    "s.$code.start": `/s/${i.linkCode}/start`,
    "s.$code.submit": `/s/${i.linkCode}/submit`,
    "s.$code": `/s/${i.linkCode}`,
    "s.$code_.done": `/s/${i.linkCode}/done`,
    "surveys.$surveyId.export": `/surveys/${i.survey}/export`,
    "surveys.$surveyId": `/surveys/${i.survey}`,
    "surveys._index": "/surveys",
    "surveys.new": "/surveys/new",
    "tickets._index": "/tickets",
    "tickets.export": "/tickets/export",
    "tickets.import.$importId": `/tickets/import/${i.ticketImport}`,
    "tickets.import._index": "/tickets/import",
    "visits.$round": `/visits/${DEMO_ROUND}`,
    "visits.$round_.checks.$check": `/visits/${DEMO_ROUND}/checks/${i.spotCheck}`,
    "visits._index": "/visits",
  };
  const url = urls[file];
  if (!url) throw new Error(`no URL for route ${file}`);
  return url;
}

/** Every table with a county_id, as text, but the audit log and the sessions (signing in writes them). */
async function fingerprint(county: number): Promise<Record<string, string>> {
  const tables = await sql<{ table: string }[]>`
    select c.table_name as table from information_schema.columns c
    join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
    where c.column_name = 'county_id' and c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.table_name not in ('audit_log', 'sessions')
    order by 1`;
  const out: Record<string, string> = {};
  for (const { table } of tables) {
    const [row] = await sql<{ digest: string }[]>`
      select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as digest
      from ${sql(table)} t where county_id = ${county}`;
    out[table] = row.digest;
  }
  return out;
}

beforeAll(async () => {
  // The demo county with one compound per community and half its households: every kind of
  // record, and rate pages that render quickly.
  const register = generateDemoRegister();
  const firstCompound = new Map<string, string>();
  for (const row of register) if (!firstCompound.has(row.community)) firstCompound.set(row.community, row.compound);
  ({ countyId } = await seedDemoCounty(register.filter((row, n) => firstCompound.get(row.community) === row.compound && n % 2 === 0)));
  const campaigns = await seedDemoCampaigns(countyId);
  await seedDemoResponses({ countyId, campaignId: campaigns.demo, seed: 2, weeksBack: 5, perBuilding: 2 });
  await seedDemoVisits(countyId);
  await seedDemoRoundForms(countyId, campaigns.demo);
  await seedDemoCallbacks(countyId, { tickets: 300 });
  await seedDepartmentAccount(countyId);

  const [staff] = await sql<{ communityA: number; street: number; user: number }[]>`
    select u.scope_place_id as "communityA", p.parent_id as street, (select id from users where username = 'volunteer') as user
    from users u join places p on p.id = u.scope_place_id where u.username = 'community'`;
  const [{ grid }] = await sql<{ grid: number }[]>`select scope_grid_id as grid from users where username = 'grid'`;
  // A building of the grid leader's grid: inside every scoped account's scope.
  const [{ building }] = await sql<{ building: number }[]>`
    select gb.building_id as building from grid_buildings gb
    where gb.grid_id = ${grid} and exists (select 1 from responses r where r.place_id = gb.building_id)
    order by gb.building_id limit 1`;
  const [{ communityB }] = await sql<{ communityB: number }[]>`
    select id as "communityB" from places where parent_id = ${staff.street} and id <> ${staff.communityA} order by sort_order, id limit 1`;
  const [{ buildingB }] = await sql<{ buildingB: number }[]>`
    select p.id as "buildingB" from places p where p.level = 'building' and p.path @> array[${communityB}]::int[]
      and exists (select 1 from responses r where r.place_id = p.id) order by p.id limit 1`;
  const link = async (place: number) =>
    (await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${campaigns.demo} and place_id = ${place}`)[0].code;
  const response = async (place: number) =>
    (await sql<{ id: number }[]>`select id::int from responses where place_id = ${place} order by id limit 1`)[0].id;
  const [{ survey, version }] = await sql<{ survey: number; version: number }[]>`
    select c.survey_version_id as version, v.survey_id as survey from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.id = ${campaigns.demo}`;
  const household = await createCampaign(
    { id: null, countyId },
    {
      code: "authz-household",
      name: "每户一份",
      surveyVersionId: version,
      opensAt: new Date(Date.now() - 86_400_000),
      closesAt: new Date(Date.now() + 30 * 86_400_000),
      duplicatePolicy: "household",
      targetPlaceIds: [staff.communityA],
    },
  );
  if (!("id" in household)) throw new Error(household.problem);
  // The demo spot check is of 锦湖社区 (the community staff checks it); another of the B community.
  const [{ spotCheck }] = await sql<
    { spotCheck: number }[]
  >`select id as "spotCheck" from spot_checks where county_id = ${countyId} order by id limit 1`;
  const [office] = await sql<{ id: number; scopePlaceId: number }[]>`
    select id, scope_place_id as "scopePlaceId" from users where username = 'admin'`;
  const [checkerB] = await sql<{ id: number }[]>`
    select id from users where role = 'volunteer' and scope_place_id = ${communityB} order by id limit 1`;
  const drawn = await drawSpotChecks({ ...office, countyId, scopeGridId: null }, (await roundByCode(countyId, DEMO_ROUND))!, {
    area: { placeId: communityB },
    size: { kind: "number", value: 5 },
    seed: 7,
    checkerId: checkerB.id,
  });
  if (!("id" in drawn)) throw new Error(drawn.problem);
  const spotCheckB = drawn.id;
  const [{ ticket }] = await sql<{ ticket: number }[]>`select id as ticket from tickets where county_id = ${countyId} order by id limit 1`;
  const ticketImport = await createTicketImport({ countyId, userId: null, source: "upload", filename: "tickets.xlsx", fileSize: 1 });
  await sql`update ticket_imports set state = 'cancelled' where id = ${ticketImport}`;
  ids = {
    communityA: staff.communityA,
    communityB,
    building,
    buildingB,
    grid,
    campaign: campaigns.demo,
    householdCampaign: household.id,
    linkCode: await link(building),
    linkCodeB: await link(buildingB),
    response: await response(building),
    responseB: await response(buildingB),
    user: staff.user,
    spotCheck,
    spotCheckB,
    ticket,
    ticketImport,
    survey,
  };

  const other = await createCounty("wai", "外县");
  const outsider = await createUser(other.id, {
    username: "outsider",
    displayName: "外县管理员",
    phone: null,
    role: "admin",
    scope: { placeId: other.rootPlaceId },
    password: DEMO_PASSWORD,
  });
  if (!("id" in outsider)) throw new Error(outsider.problem);

  // The server build `npm run dev` serves, without a port, a file watcher or a dependency scan.
  vite = await createServer({
    root: ROOT,
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    appType: "custom",
    logLevel: "error",
  });
  build = (await vite.ssrLoadModule("virtual:remix/server-build")) as ServerBuild;
  const handler = createRequestHandler(build, "development");
  // Another address than the test's own sign-ins (CLIENT): the matrix posts to /login as every
  // caller, and those failures count per address (sign-in throttling), not against the sessions.
  handle = (request) => handler(request, { cspNonce: "test", clientIp: "192.0.2.10" });
}, 120_000);

afterAll(async () => {
  if (!vite) return;
  // The build's own modules hold their own pool on this file's database.
  const db = (await vite.ssrLoadModule("/app/db.server.ts")) as typeof import("~/db.server");
  await db.sql.end();
  await vite.close();
});

/** Allowed GETs answered 404 by design: the demo spot check belongs to its checker (the community
 *  staff), and its community is outside the grid leader's grid. */
const NOT_FOUND_FOR: Record<string, string[]> = {
  "api.spot-checks.assignment": ["admin", "street_staff", "grid_leader", "volunteer"],
  "visits.$round_.checks.$check": ["admin", "street_staff", "grid_leader", "volunteer"],
  "coverage.spot-checks.$id": ["grid_leader"],
};

/** What a caller must get from a route under a rule; `expect` is the test's own (tests run concurrently). */
function check(expect: ExpectStatic, file: string, method: string, rule: Rule, caller: Caller, got: Sent) {
  const where = `${method} ${file} as ${caller.name}: ${got.status} ${got.location ?? ""}`;
  if (rule.kind === "methodNotAllowed") return expect(got.status, where).toBe(405);
  if (rule.kind === "apiToken") return expect(got.status, where).toBe(401);
  const toLogin = got.status >= 300 && got.status < 400 && (got.location ?? "").startsWith("/login");
  if (rule.kind === "public") {
    expect(got.status, where).toBeLessThan(500);
    expect([401, 403], where).not.toContain(got.status);
    return;
  }
  if (allows(rule, caller.role)) {
    expect(got.status, where).toBeLessThan(500);
    expect([401, 403], where).not.toContain(got.status);
    expect(toLogin, where).toBe(false);
    // A page one may open shows (or redirects), but where the thing asked for is someone else's.
    if (method === "GET" && NOT_FOUND_FOR[file]?.includes(caller.name)) expect(got.status, where).toBe(404);
    else if (method === "GET") expect(got.status, where).toBeLessThan(400);
    return;
  }
  if (caller.role !== null) return expect(got.status, where).toBe(403);
  if (isApiRoute(file)) {
    expect(got.status, where).toBe(401);
    expect(JSON.parse(got.body), where).toMatchObject({ error: "not signed in" });
    return;
  }
  expect(toLogin, where).toBe(true);
  expect(got.location, where).toContain(`redirectTo=${encodeURIComponent(urlOf(file).split("?")[0])}`);
}

function requestBody(file: string, form: Record<string, string> = {}) {
  return isApiRoute(file) ? { json: {} } : { form };
}

describe("the route table", () => {
  it("has one entry per route file and a rule for exactly the methods each route answers", () => {
    const entries = Object.keys(ROUTE_ACCESS);
    expect(
      ROUTE_FILES.filter((f) => !entries.includes(f)),
      "route files without an entry in app/utils/route-access.ts",
    ).toEqual([]);
    expect(
      entries.filter((e) => !ROUTE_FILES.includes(e)),
      "entries in app/utils/route-access.ts naming no route file",
    ).toEqual([]);
    for (const file of ROUTE_FILES) {
      const route = build.routes[`routes/${file}`];
      expect(route, file).toBeDefined();
      expect(ROUTE_ACCESS[file].GET !== undefined, `GET ${file}`).toBe(route!.module.loader !== undefined);
      expect(ROUTE_ACCESS[file].POST !== undefined, `POST ${file}`).toBe(route!.module.action !== undefined);
      // The URL the table and the docs give is the one Remix serves the file at.
      let full = "";
      for (let r: typeof route | undefined = route; r && r.id !== "root"; r = r.parentId ? build.routes[r.parentId] : undefined)
        full = `/${r.path ?? ""}${full}`;
      expect(full.replace(/\/+/g, "/").replace(/(.)\/$/, "$1"), file).toBe(routePath(file));
      const pattern = new RegExp(
        `^${routePath(file)
          .replace(/:[^/]+/g, "[^/]+")
          .replace("*", ".+")}$`,
      );
      expect(urlOf(file).split("?")[0], file).toMatch(pattern);
    }
  });

  it("names every role of the app", () => {
    expect(CALLERS.flatMap((c) => (c.role ? [c.role] : [])).sort()).toEqual([...ROLES].sort());
  });
});

// Several routes at a time: some wait on the database while others render.
describe.concurrent("every route as every role and signed out", () => {
  for (const file of ROUTE_FILES) {
    it(file, async ({ expect }) => {
      const access = ROUTE_ACCESS[file];
      const url = urlOf(file);
      await Promise.all(
        CALLERS.map(async (caller) => {
          const cookie = await cookieOf(caller);
          if (access.GET) check(expect, file, "GET", access.GET, caller, await send(url, cookie));
          if (access.POST) {
            // Signing out ends the session: its own, not the one the other routes use.
            const own = file === "logout" && caller.username ? await freshCookie(caller.username) : cookie;
            check(expect, file, "POST", access.POST, caller, await send(url, own, { method: "POST", ...requestBody(file) }));
          }
          for (const variant of access.variants ?? [])
            check(
              expect,
              file,
              "POST",
              variant.rule,
              caller,
              await send(url, cookie, { method: "POST", ...requestBody(file, variant.form) }),
            );
        }),
      );
    });
  }
});

describe("the API token", () => {
  it("lets a machine client push tickets, which no session can", async () => {
    const [admin] = await sql<{ id: number }[]>`select id from users where username = 'admin'`;
    const { token } = await createApiToken({ id: admin.id, countyId }, "authz", null);
    const push = (headers: Record<string, string>) =>
      handle(
        new Request("http://localhost/api/tickets", {
          method: "POST",
          headers: { Host: "localhost", "Content-Type": "application/json", ...headers },
          body: JSON.stringify({ tickets: [{ number: "AUTHZ-1", receivedAt: "2026-11-01 09:00" }] }),
        }),
      );
    const before = await sql`select 1 from tickets where county_id = ${countyId} and ticket_no = 'AUTHZ-1'`;
    expect(before).toHaveLength(0);
    expect((await push({ Cookie: (await cookieOf(CALLERS[1]))! })).status).toBe(401);
    expect(await sql`select 1 from tickets where ticket_no = 'AUTHZ-1'`).toHaveLength(0);
    const pushed = await push({ Authorization: `Bearer ${token}` });
    expect(pushed.status).toBe(200);
    expect(await pushed.json()).toMatchObject({ inserted: 1 });
    expect(await sql`select 1 from tickets where county_id = ${countyId} and ticket_no = 'AUTHZ-1'`).toHaveLength(1);
  });
});

describe("community staff of one community and another community's data", () => {
  const staff = CALLERS.find((c) => c.username === "community")!;
  const get = async (url: string) => send(url, await cookieOf(staff));
  const post = async (url: string, form: Record<string, string>) => send(url, await cookieOf(staff), { method: "POST", form });
  const postJson = async (url: string, json: unknown) => send(url, await cookieOf(staff), { method: "POST", json });

  it("opens its own places, coverage, responses, checks, slips, posters and rates, and none of the other community's", async () => {
    const [{ gridB }] = await sql<{ gridB: number }[]>`select id as "gridB" from grids where community_id = ${ids.communityB} limit 1`;
    const pairs: [string, string][] = [
      [`/places/${ids.building}`, `/places/${ids.buildingB}`],
      [`/places/${ids.communityA}`, `/places/${ids.communityB}`],
      [`/grids/${ids.grid}`, `/grids/${gridB}`],
      [`/coverage/building/${ids.building}?round=${DEMO_ROUND}`, `/coverage/building/${ids.buildingB}?round=${DEMO_ROUND}`],
      [`/rates/${ids.building}?campaign=demo`, `/rates/${ids.buildingB}?campaign=demo`],
      [`/rates/${ids.communityA}?campaign=demo`, `/rates/${ids.communityB}?campaign=demo`],
      [`/responses/${ids.response}`, `/responses/${ids.responseB}`],
      [`/responses?place=${ids.building}`, `/responses?place=${ids.buildingB}`],
      [`/coverage/spot-checks/${ids.spotCheck}`, `/coverage/spot-checks/${ids.spotCheckB}`],
      [`/campaigns/${ids.householdCampaign}/codes/${ids.building}`, `/campaigns/${ids.householdCampaign}/codes/${ids.buildingB}`],
      [`/campaigns/${ids.campaign}/posters/${ids.building}`, `/campaigns/${ids.campaign}/posters/${ids.buildingB}`],
      [`/campaigns/${ids.campaign}/qr/${ids.linkCode}`, `/campaigns/${ids.campaign}/qr/${ids.linkCodeB}`],
      [`/visits/${DEMO_ROUND}/checks/${ids.spotCheck}`, `/visits/${DEMO_ROUND}/checks/${ids.spotCheckB}`],
      [`/api/spot-checks/assignment?check=${ids.spotCheck}`, `/api/spot-checks/assignment?check=${ids.spotCheckB}`],
    ];
    // Its own first (the household slips are made when first shown), then the other community's.
    for (const [own] of pairs) expect((await get(own)).status, own).toBe(200);
    const before = await fingerprint(countyId);
    for (const [, other] of pairs) {
      const got = await get(other);
      expect(got.status, other).toBe(404);
      expect(got.body, other).not.toContain(ids.linkCodeB);
    }
    expect(await fingerprint(countyId)).toEqual(before);
  });

  it("a campaign over the other community only is not found, its posters and links neither", async () => {
    const [version] = await sql<{ id: number }[]>`select survey_version_id as id from campaigns where id = ${ids.campaign}`;
    const made = await createCampaign(
      { id: null, countyId },
      {
        code: "authz-b-only",
        name: "只在另一社区",
        surveyVersionId: version.id,
        opensAt: new Date(Date.now() - 86_400_000),
        closesAt: new Date(Date.now() + 86_400_000),
        duplicatePolicy: "device",
        targetPlaceIds: [ids.communityB],
      },
    );
    if (!("id" in made)) throw new Error(made.problem);
    const [link] = await sql<
      { code: string }[]
    >`select code from campaign_links where campaign_id = ${made.id} and place_id = ${ids.buildingB}`;
    for (const url of [
      `/campaigns/${made.id}`,
      `/campaigns/${made.id}/links.csv`,
      `/campaigns/${made.id}/posters/${ids.buildingB}`,
      `/campaigns/${made.id}/qr/${link.code}`,
    ])
      expect((await get(url)).status, url).toBe(404);
    expect((await get("/campaigns")).body).not.toContain("只在另一社区");
  });

  it("exports, lists and downloads only its own community, whatever the query string names", async () => {
    const lines = (body: string) => body.split(/\r?\n/).filter((l) => l.trim() !== "").length;
    const own = await get(`/responses/export?format=csv&place=${ids.building}`);
    expect(own.status).toBe(200);
    expect(lines(own.body)).toBeGreaterThan(1);
    const other = await get(`/responses/export?format=csv&place=${ids.buildingB}`);
    expect([200, 404]).toContain(other.status);
    if (other.status === 200) expect(lines(other.body)).toBe(1);
    const links = await get(`/campaigns/${ids.campaign}/links.csv`);
    expect(links.status).toBe(200);
    expect(links.body).toContain(ids.linkCode);
    expect(links.body).not.toContain(ids.linkCodeB);
    const [{ nameB }] = await sql<{ nameB: string }[]>`select name as "nameB" from places where id = ${ids.communityB}`;
    for (const url of [
      `/rates?campaign=demo&level=community`,
      `/api/rates?campaign=demo&level=community`,
      `/api/coverage?round=${DEMO_ROUND}&level=community`,
      `/coverage?round=${DEMO_ROUND}`,
      `/planning/sample?campaign=demo&seed=7&format=csv&community=${ids.communityB}`,
      `/places`,
      `/grids`,
    ]) {
      const got = await get(url);
      expect(got.status, url).toBeLessThan(400);
      expect(got.body, url).not.toContain(nameB);
    }
  });

  it("changes nothing of the other community through form fields or JSON bodies", async () => {
    const [householdB] = await sql<{ id: number }[]>`
      select h.id from households h where h.building_id = ${ids.buildingB} order by h.id limit 1`;
    const [logB] = await sql<{ id: number }[]>`
      select l.id::int from visit_logs l join households h on h.id = l.household_id where h.building_id = ${ids.buildingB} order by l.id limit 1`;
    const [volunteerA] = await sql<{ id: number }[]>`select id from users where username = 'volunteer'`;
    const [volunteerB] = await sql<{ id: number }[]>`
      select id from users where role = 'volunteer' and scope_place_id = ${ids.communityB} order by id limit 1`;
    const before = await fingerprint(countyId);

    const draw = await post(`/coverage/spot-checks?round=${DEMO_ROUND}`, {
      area: `p${ids.communityB}`,
      sizeKind: "number",
      size: "3",
      seed: "5",
      checker: String(volunteerA.id),
    });
    expect(draw.status).toBe(409);
    const assignB = await post(`/rounds/${DEMO_ROUND}`, {
      intent: "assign",
      volunteer: String(volunteerA.id),
      building: String(ids.buildingB),
    });
    expect(assignB.status).toBe(409);
    const toVolunteerB = await post(`/rounds/${DEMO_ROUND}`, {
      intent: "assign",
      volunteer: String(volunteerB.id),
      building: String(ids.building),
    });
    expect(toVolunteerB.status).toBe(400);
    expect((await post(`/rounds/${DEMO_ROUND}`, { intent: "withdraw", building: String(ids.buildingB) })).status).toBeLessThan(500);
    expect(
      (await post(`/coverage/review?round=${DEMO_ROUND}`, { decision: "rejected", reason: "编造", log: String(logB.id) })).status,
    ).toBe(200);
    const reviewB = await post(`/coverage/review?round=${DEMO_ROUND}`, {
      subject: "responses",
      decision: "accepted",
      response: String(ids.responseB),
    });
    expect(reviewB.status).toBe(200);

    const visit = await postJson("/api/visits", {
      round: DEMO_ROUND,
      visits: [{ clientKey: "authz-tamper-visit-1", householdId: householdB.id, outcome: "reached", at: new Date().toISOString() }],
    });
    expect(visit.status).toBe(200);
    expect(JSON.parse(visit.body).results[0]).toMatchObject({ status: "refused" });
    const form = await postJson("/api/visits/forms", {
      round: DEMO_ROUND,
      forms: [
        { clientKey: "authz-tamper-form-1", householdId: householdB.id, kind: "questionnaire", answers: {}, at: new Date().toISOString() },
      ],
    });
    expect(form.status).toBe(200);
    expect(JSON.parse(form.body).results[0]).toMatchObject({ status: "refused" });
    const check = await postJson("/api/spot-checks", {
      check: ids.spotCheckB,
      results: [{ clientKey: "authz-tamper-check-1", householdId: householdB.id, result: "confirmed", at: new Date().toISOString() }],
    });
    expect(check.status).toBe(404);

    expect(await fingerprint(countyId)).toEqual(before);
  });
});

describe("every scoped account and a place just outside its scope", () => {
  it("grid leader, volunteer and street staff find nothing outside their grid, community or street", async () => {
    const [{ otherStreet }] = await sql<{ otherStreet: number }[]>`
      select p.id as "otherStreet" from places p join places c on c.id = ${ids.communityA}
      where p.level = 'building' and p.county_id = ${countyId} and not (p.path @> array[c.parent_id]::int[])
        and exists (select 1 from responses r where r.place_id = p.id)
      order by p.id limit 1`;
    const cases: [string, number][] = [
      ["grid", ids.buildingB],
      ["volunteer", ids.buildingB],
      ["street", otherStreet],
    ];
    for (const [username, building] of cases) {
      const caller = CALLERS.find((c) => c.username === username)!;
      const cookie = await cookieOf(caller);
      const [response] = await sql<{ id: number }[]>`select id::int from responses where place_id = ${building} limit 1`;
      const urls = [
        `/places/${building}`,
        ...(allows({ kind: "permission", all: ["rates:read"] }, caller.role) ? [`/rates/${building}?campaign=demo`] : []),
        ...(allows({ kind: "permission", all: ["visit:read"] }, caller.role) ? [`/coverage/building/${building}?round=${DEMO_ROUND}`] : []),
        ...(allows({ kind: "permission", all: ["response:read"] }, caller.role)
          ? [`/responses?place=${building}`, ...(response ? [`/responses/${response.id}`] : [])]
          : []),
      ];
      for (const url of urls) expect((await send(url, cookie)).status, `${username} ${url}`).toBe(404);
    }
  });
});

describe("a department account and another department's follow-ups", () => {
  it("lists and completes only its own department's tasks, whatever follow-up id the form names", async () => {
    const dept = CALLERS.find((c) => c.username === "dept")!;
    const cookie = await cookieOf(dept);
    const [own] = await sql<{ departmentId: number }[]>`select department_id as "departmentId" from users where username = 'dept'`;
    const tasks = await sql<{ id: number; ticketNo: string; mine: boolean }[]>`
      select f.id, t.ticket_no as "ticketNo", f.department_id = ${own.departmentId} as mine
      from followups f join tickets t on t.id = f.ticket_id where f.county_id = ${countyId} and f.status = 'open' order by f.id`;
    const other = tasks.find((t) => !t.mine)!;
    const mine = tasks.find((t) => t.mine)!;
    expect(other && mine).toBeTruthy();
    const list = await send("/hotline/followups?status=all", cookie);
    expect(list.status).toBe(200);
    expect(list.body).toContain(mine.ticketNo);
    expect(list.body).not.toContain(other.ticketNo);
    const before = await fingerprint(countyId);
    const done = await send("/hotline/followups", cookie, { method: "POST", form: { followUp: String(other.id), notes: "已处理" } });
    expect(done.status).toBe(409);
    expect(await fingerprint(countyId)).toEqual(before);
    const [row] = await sql<{ status: string }[]>`select status from followups where id = ${other.id}`;
    expect(row.status).toBe("open");
  });
});

describe("an account of another county", () => {
  it("finds nothing of this county by any id, and changes nothing", async () => {
    const cookie = await cookieOf(OUTSIDER);
    const before = await fingerprint(countyId);
    for (const file of ROUTE_FILES) {
      const access = ROUTE_ACCESS[file];
      const url = urlOf(file);
      for (const method of ["GET", "POST"] as const) {
        const rule = access[method];
        if (!rule || rule.kind === "public") continue;
        const own = file === "logout" ? await freshCookie("outsider") : cookie;
        const got = await send(url, own, method === "GET" ? {} : { method, ...requestBody(file) });
        const where = `${method} ${url}: ${got.status}`;
        if (!allows(rule, OUTSIDER.role)) {
          check(expect, file, method, rule, OUTSIDER, got);
          continue;
        }
        expect(got.status, where).toBeLessThan(500);
        expect([401, 403], where).not.toContain(got.status);
        if (method === "GET" && routePath(file).includes(":")) expect(got.status, where).toBe(404);
        for (const marker of [...COUNTY_MARKERS, ids.linkCode]) expect(got.body, where).not.toContain(marker);
      }
    }
    expect(await fingerprint(countyId)).toEqual(before);
  });
});
