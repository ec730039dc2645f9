// Campaigns and distribution against a real database: links per target, state changes, the
// office routes (create, state, QR, CSV, posters, slips) and the `links` command.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import QRCode from "qrcode";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "~/db.server";
import { translate } from "~/i18n";
import {
  canMoveTo,
  createCampaign,
  getCampaign,
  householdSlips,
  linksOf,
  setCampaignState,
  targetChoices,
  type CampaignState,
  type NewCampaign,
} from "~/models/campaigns.server";
import { createCounty } from "~/models/counties.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { signIn } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { run as linksCommand } from "~/commands/links";
import { action as newAction } from "~/routes/campaigns.new";
import { action as detailAction, loader as detailLoader } from "~/routes/campaigns.$campaignId";
import { loader as qrLoader } from "~/routes/campaigns.$campaignId_.qr.$linkCode";
import { loader as csvLoader } from "~/routes/campaigns.$campaignId_.links[.]csv";
import { loader as postersLoader } from "~/routes/campaigns.$campaignId_.posters.$placeId";
import { loader as codesLoader } from "~/routes/campaigns.$campaignId_.codes.$placeId";
import { loader as listLoader } from "~/routes/campaigns._index";
import { loader as ratesLoader } from "~/routes/rates._index";
import { loader as responsesLoader } from "~/routes/responses._index";
import { loader as exportLoader } from "~/routes/responses.export";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { CLIENT, placeId, signedIn } from "./helpers";
import { reloadAppEnv } from "~/utils/env.server";

const ROOT = new URL("../..", import.meta.url).pathname;

const DEFINITION = {
  title: "创文满意度调查",
  pages: [
    {
      elements: [{ type: "radiogroup", name: "env", title: "环境卫生满意吗？", isRequired: true, choices: ["满意", "基本满意", "不满意"] }],
    },
  ],
};

let countyId: number;
let versionId: number;
let adminCookie: string;
let communityCookie: string;
const context = { cspNonce: "", clientIp: "127.0.0.1" };

async function cookieFor(username: string) {
  const session = await signIn(username, DEMO_PASSWORD, CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  return (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
}

type Place = { id: number; name: string; level: string; parentId: number };
async function places(level: string, parentId?: number) {
  return sql<Place[]>`
    select id, name, level, parent_id as "parentId" from places
    where county_id = ${countyId} and level = ${level} ${parentId ? sql`and parent_id = ${parentId}` : sql``}
    order by sort_order, id`;
}

async function placesBelow(placeId: number, level: string) {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from places where path @> array[${placeId}]::int[] and level = ${level} and id <> ${placeId}`;
  return n;
}

let codeSeq = 0;
function campaignInput(targets: number[], over: Partial<NewCampaign> = {}): NewCampaign {
  return {
    code: `c-${++codeSeq}-${Math.random().toString(36).slice(2, 6)}`,
    name: "三月模拟测评",
    surveyVersionId: versionId,
    opensAt: new Date(Date.now() - 3600_000),
    closesAt: new Date(Date.now() + 7 * 86400_000),
    duplicatePolicy: "household",
    targetPlaceIds: targets,
    ...over,
  };
}

async function created(targets: number[], over: Partial<NewCampaign> = {}) {
  const result = await createCampaign({ id: null, countyId }, campaignInput(targets, over));
  if (!("id" in result)) throw new Error(result.problem);
  return result;
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const surveyId = await createSurvey({ id: null, countyId }, { title: "创文满意度调查", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
  adminCookie = await cookieFor("admin");
  communityCookie = await cookieFor("community");
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  reloadAppEnv();
});

describe("creating a campaign", () => {
  it("makes a link for every compound and building inside a community target", async () => {
    const [community] = await places("community");
    const compounds = await placesBelow(community.id, "compound");
    const buildings = await placesBelow(community.id, "building");
    expect(compounds).toBeGreaterThan(1);
    const { id, links } = await created([community.id]);
    expect(links).toBe(compounds + buildings);
    const rows = await sql<{ level: string; n: number }[]>`
      select p.level, count(*)::int as n from campaign_links l join places p on p.id = l.place_id
      where l.campaign_id = ${id} group by p.level order by p.level`;
    expect(rows).toEqual([
      { level: "building", n: buildings },
      { level: "compound", n: compounds },
    ]);
    const codes = await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${id}`;
    expect(new Set(codes.map((c) => c.code)).size).toBe(links);
    for (const { code } of codes) expect(code).toMatch(/^[2-9a-km-zA-HJ-NP-Z]{8}$/);
  });

  it("gives a building target its own link but not its compound's, and a compound target both", async () => {
    const [compoundA, compoundB] = await places("compound");
    const [building] = await places("building", compoundA.id);
    const { id, links } = await created([building.id, compoundB.id]);
    const buildingsOfB = await placesBelow(compoundB.id, "building");
    expect(links).toBe(1 + 1 + buildingsOfB);
    const linked = await sql<{ placeId: number }[]>`select place_id as "placeId" from campaign_links where campaign_id = ${id}`;
    const ids = linked.map((l) => l.placeId);
    expect(ids).toContain(building.id);
    expect(ids).toContain(compoundB.id);
    expect(ids).not.toContain(compoundA.id);
  });

  it("drops a target that lies inside another target", async () => {
    const [community] = await places("community");
    const [compound] = await places("compound", community.id);
    const [building] = await places("building", compound.id);
    const whole = await created([community.id]);
    const nested = await created([community.id, compound.id, building.id]);
    expect(nested.links).toBe(whole.links);
    const targets = await sql<{ placeId: number }[]>`select place_id as "placeId" from campaign_targets where campaign_id = ${nested.id}`;
    expect(targets).toEqual([{ placeId: community.id }]);
  });

  it("refuses a bad code, a taken code, no targets, another county's version or place, and a street target", async () => {
    const [compound] = await places("compound");
    const [street] = await places("street");
    const other = await createCounty("camp-other", "别的县");
    const otherSurvey = await createSurvey({ id: null, countyId: other.id }, { title: "外县", kind: "household", draft: DEFINITION });
    const otherVersion = (await publishSurvey({ id: null, countyId: other.id }, otherSurvey))!.id;
    const actor = { id: null, countyId };
    const taken = await created([compound.id]);
    const takenCode = (await getCampaign(countyId, taken.id))!.code;

    expect(await createCampaign(actor, campaignInput([compound.id], { code: "Bad Code" }))).toEqual({ problem: "codeInvalid" });
    expect(await createCampaign(actor, campaignInput([compound.id], { code: takenCode }))).toEqual({ problem: "codeTaken" });
    expect(await createCampaign(actor, campaignInput([]))).toEqual({ problem: "noTargets" });
    expect(await createCampaign(actor, campaignInput([compound.id], { surveyVersionId: otherVersion }))).toEqual({
      problem: "versionNotFound",
    });
    expect(await createCampaign(actor, campaignInput([other.rootPlaceId]))).toEqual({ problem: "targetNotFound" });
    expect(await createCampaign(actor, campaignInput([street.id]))).toEqual({ problem: "targetNotFound" });
  });
});

describe("state changes", () => {
  it("allows draft → open ⇄ paused → closed and nothing after closed", async () => {
    const [compound] = await places("compound");
    const { id } = await created([compound.id]);
    const state = async () => (await getCampaign(countyId, id))!.state;
    const steps: [CampaignState, boolean, CampaignState][] = [
      ["paused", false, "draft"],
      ["open", true, "open"],
      ["open", false, "open"],
      ["paused", true, "paused"],
      ["open", true, "open"],
      ["closed", true, "closed"],
      ["open", false, "closed"],
      ["paused", false, "closed"],
      ["draft", false, "closed"],
    ];
    for (const [to, allowed, after] of steps) {
      expect(await setCampaignState(countyId, id, to), `→ ${to}`).toBe(allowed);
      expect(await state()).toBe(after);
    }
  });

  it("knows every allowed move and no other", () => {
    const allowed = (["draft", "open", "paused", "closed"] as const).flatMap((from) =>
      (["draft", "open", "paused", "closed"] as const).filter((to) => canMoveTo(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual(["draft→open", "draft→closed", "open→paused", "open→closed", "paused→open", "paused→closed"]);
  });

  it("the detail page's buttons change state, audit it, and refuse a move that is not allowed", async () => {
    const [compound] = await places("compound");
    const { id } = await created([compound.id]);
    const post = (state: string) =>
      detailAction({
        request: new Request(`http://test/campaigns/${id}`, {
          method: "POST",
          body: new URLSearchParams({ state }),
          headers: { Cookie: adminCookie },
        }),
        params: { campaignId: String(id) },
        context,
      });
    expect(await post("open")).toEqual({ changed: true, to: "open" });
    const refused = (await post("draft")) as unknown as { data: { changed: boolean }; init: { status: number } };
    expect(refused.data.changed).toBe(false);
    expect(refused.init.status).toBe(409);
    const audit =
      await sql`select target, details from audit_log where action = 'campaign.state' and details->>'campaignId' = ${String(id)}`;
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ from: "draft", to: "open" });
  });
});

describe("the new-campaign form", () => {
  const form = (fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
    return new Request("http://test/campaigns/new", { method: "POST", body, headers: { Cookie: adminCookie } });
  };
  type Refusal = { data: { errors: Record<string, string> }; init: { status: number } };

  it("answers bad fields with Chinese messages and creates nothing", async () => {
    const before = await sql`select count(*)::int as n from campaigns`;
    const result = (await newAction({
      request: form({
        name: "",
        code: "Bad Code",
        surveyVersionId: "x",
        opensAt: "2026-03-10T09:00",
        closesAt: "2026-03-01T09:00",
        duplicatePolicy: "maybe",
      }),
      params: {},
      context,
    })) as unknown as Refusal;
    expect(result.init.status).toBe(400);
    const messages = Object.fromEntries(Object.entries(result.data.errors).map(([k, v]) => [k, translate("zh", v)]));
    expect(messages).toEqual({
      name: "请填写名称（1–200 字）",
      code: "批次代码只能包含小写字母、数字和短横线，长度 2–40 位",
      surveyVersionId: "请选择一个已发布的问卷版本",
      closesAt: "结束时间必须晚于开始时间",
      duplicatePolicy: "请选择重复填写规则",
      targets: "请至少选择一个社区、小区或楼栋",
    });
    expect(await sql`select count(*)::int as n from campaigns`).toEqual(before);
  });

  it("creates the campaign with times read as Beijing time, audits it and opens its page", async () => {
    const [compound] = await places("compound");
    const response = (await newAction({
      request: form({
        name: "表单批次",
        code: "form-made",
        surveyVersionId: String(versionId),
        opensAt: "2026-03-01T08:00",
        closesAt: "2026-03-31T20:00",
        duplicatePolicy: "device",
        target: [String(compound.id)],
      }),
      params: {},
      context,
    })) as Response;
    expect(response.status).toBe(302);
    const [row] = await sql`select id, opens_at, closes_at, duplicate_policy, state from campaigns where code = 'form-made'`;
    expect(response.headers.get("Location")).toBe(`/campaigns/${row.id}?created=${1 + (await placesBelow(compound.id, "building"))}`);
    expect(row.opens_at.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(row.closes_at.toISOString()).toBe("2026-03-31T12:00:00.000Z");
    expect(row).toMatchObject({ duplicate_policy: "device", state: "draft" });
    const [audit] = await sql`select target, details from audit_log where action = 'campaign.create' and target = 'form-made'`;
    expect(audit.details).toMatchObject({ campaignId: row.id, duplicatePolicy: "device", targets: [compound.id] });

    const again = (await newAction({
      request: form({
        name: "重复",
        code: "form-made",
        surveyVersionId: String(versionId),
        opensAt: "2026-03-01T08:00",
        closesAt: "2026-03-31T20:00",
        duplicatePolicy: "device",
        target: String(compound.id),
      }),
      params: {},
      context,
    })) as unknown as Refusal;
    expect(again.init.status).toBe(409);
    expect(translate("zh", again.data.errors.code)).toBe("该批次代码已被使用，请换一个");
  });

  it("offers every community's households for choosing targets", async () => {
    const streets = await targetChoices(countyId);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from households where county_id = ${countyId} and not vacant`;
    const communities = streets.flatMap((s) => s.communities);
    expect(streets).toHaveLength(2);
    expect(communities).toHaveLength(7);
    expect(communities.flatMap((c) => c.compounds)).toHaveLength(42);
    expect(communities.flatMap((c) => c.compounds.flatMap((cp) => cp.buildings))).toHaveLength(415);
    expect(communities.reduce((sum, c) => sum + c.households, 0)).toBe(n);
  });
});

describe("links in the office", () => {
  let campaignId: number;
  let linkCode: string;
  let compoundId: number;

  beforeAll(async () => {
    const [community] = await places("community");
    ({ id: campaignId } = await created([community.id]));
    const [compound] = await places("compound", community.id);
    compoundId = compound.id;
    [{ code: linkCode }] = await sql<{ code: string }[]>`
      select l.code from campaign_links l join places p on p.id = l.place_id where l.campaign_id = ${campaignId} and p.parent_id = ${compound.id} order by p.sort_order limit 1`;
  });

  it("shows a community user only the links inside their community", async () => {
    const admin = await signedIn("admin", DEMO_PASSWORD);
    const community = await signedIn("community", DEMO_PASSWORD);
    const [all, own] = [await linksOf(admin, campaignId), await linksOf(community, campaignId)];
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from campaign_links l join places p on p.id = l.place_id
      where l.campaign_id = ${campaignId} and p.path @> array[${community.scopePlaceId}]::int[]`;
    expect(own).toHaveLength(n);
    expect(all.length).toBeGreaterThanOrEqual(own.length);
    // Register order: each compound's own link comes before its buildings.
    expect(all[0].level).toBe("compound");
    expect(all[1]).toMatchObject({ level: "building", compoundId: all[0].compoundId });
  });

  it("serves a link's QR code as SVG that encodes the QR target URL", async () => {
    const response = (await qrLoader({
      request: new Request(`http://office.example:8080/campaigns/${campaignId}/qr/${linkCode}`, { headers: { Cookie: adminCookie } }),
      params: { campaignId: String(campaignId), linkCode },
      context,
    })) as Response;
    expect(response.headers.get("Content-Type")).toBe("image/svg+xml; charset=utf-8");
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain("<path");
    const expected = await QRCode.toString(`http://office.example:8080/s/${linkCode}?src=qr`, {
      type: "svg",
      errorCorrectionLevel: "M",
      margin: 1,
    });
    expect(svg).toBe(expected);
  });

  it("answers 404 for a link of another campaign and 403 for a role that cannot print", async () => {
    const [other] = await places("compound");
    const { id: otherId } = await created([other.id]);
    const ask = (campaign: number, cookie: string) =>
      qrLoader({
        request: new Request(`http://test/campaigns/${campaign}/qr/${linkCode}`, { headers: { Cookie: cookie } }),
        params: { campaignId: String(campaign), linkCode },
        context,
      }).then(
        () => 200,
        (e: Response) => e.status,
      );
    expect(await ask(otherId, adminCookie)).toBe(404);
    expect(await ask(campaignId, await cookieFor("viewer"))).toBe(403);
  });

  it("uses PUBLIC_URL for resident URLs when it is set", async () => {
    vi.stubEnv("PUBLIC_URL", "https://wenming.example.cn/");
    reloadAppEnv();
    const response = (await qrLoader({
      request: new Request(`http://127.0.0.1:3000/campaigns/${campaignId}/qr/${linkCode}`, { headers: { Cookie: adminCookie } }),
      params: { campaignId: String(campaignId), linkCode },
      context,
    })) as Response;
    const expected = await QRCode.toString(`https://wenming.example.cn/s/${linkCode}?src=qr`, {
      type: "svg",
      errorCorrectionLevel: "M",
      margin: 1,
    });
    expect(await response.text()).toBe(expected);
  });

  it("downloads the link list as CSV with a BOM and Chinese headers, and audits the export", async () => {
    const response = (await csvLoader({
      request: new Request(`http://test/campaigns/${campaignId}/links.csv`, { headers: { Cookie: adminCookie } }),
      params: { campaignId: String(campaignId) },
      context,
    })) as Response;
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split("\r\n");
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from campaign_links where campaign_id = ${campaignId}`;
    expect(lines[0]).toBe("街道,社区,小区,楼栋,层级,链接码,链接,二维码地址");
    expect(lines).toHaveLength(n + 1);
    expect(lines[1]).toMatch(/^[^,]+街道,[^,]+社区,[^,]+,,小区,\w{8},http:\/\/test\/s\/\w{8},http:\/\/test\/s\/\w{8}\?src=qr$/);
    expect(lines[2]).toMatch(/,楼栋,\w{8},/);
    const [audit] =
      await sql`select details from audit_log where action = 'campaign.links.export' and details->>'campaignId' = ${String(campaignId)}`;
    expect(audit.details).toMatchObject({ format: "csv", rows: n });
  });

  it("lays out a compound's door posters, one per building plus the entrance", async () => {
    const result = await postersLoader({
      request: new Request(`http://test/campaigns/${campaignId}/posters/${compoundId}`, { headers: { Cookie: adminCookie } }),
      params: { campaignId: String(campaignId), placeId: String(compoundId) },
      context,
    });
    const buildings = await places("building", compoundId);
    const [compound] = await sql<{ name: string }[]>`select name from places where id = ${compoundId}`;
    expect(result.posters).toHaveLength(buildings.length + 1);
    expect(result.posters.map((p) => p.name)).toEqual([compound.name, ...buildings.map((b) => b.name)]);
    for (const p of result.posters) expect(p.svg).toContain("<path");
  });

  it("prints one code per occupied household of a building, the same codes every time", async () => {
    const admin = await signedIn("admin", DEMO_PASSWORD);
    const [building] = await places("building", compoundId);
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from households where building_id = ${building.id} and not vacant`;
    const first = await householdSlips(admin, campaignId, building.id);
    const second = await householdSlips(admin, campaignId, building.id);
    expect(first!.codes).toHaveLength(n);
    expect(second!.codes.map((c) => c.code)).toEqual(first!.codes.map((c) => c.code));
    expect(first!.code).toBe(linkCode);

    const page = await codesLoader({
      request: new Request(`http://test/campaigns/${campaignId}/codes/${building.id}`, { headers: { Cookie: adminCookie } }),
      params: { campaignId: String(campaignId), placeId: String(building.id) },
      context,
    });
    const slip = page.codes[0];
    const expected = await QRCode.toString(`http://test/s/${linkCode}?src=qr&h=${slip.code}`, {
      type: "svg",
      errorCorrectionLevel: "M",
      margin: 1,
    });
    expect(slip.svg).toBe(expected);
  });
});

describe("community staff print within their community", () => {
  let inside: number; // over 锦湖社区 (the community account's scope) and 文昌社区
  let outside: number; // over 文昌社区 only
  let jinhuCompound: number;
  let wenchangCompound: number;
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 200,
      (e: unknown) => (e instanceof Response ? e.status : Promise.reject(e)),
    );
  const args = (url: string, params: Record<string, string>, cookie = communityCookie) => ({
    request: new Request(`http://test${url}`, { headers: { Cookie: cookie } }),
    params,
    context,
  });

  beforeAll(async () => {
    const [jinhu, wenchang] = await Promise.all([placeId(countyId, "禾城街道", "锦湖社区"), placeId(countyId, "禾城街道", "文昌社区")]);
    ({ id: inside } = await created([jinhu, wenchang], { name: "两个社区的批次" }));
    ({ id: outside } = await created([wenchang], { name: "只有文昌社区的批次" }));
    [{ id: jinhuCompound }] = await places("compound", jinhu);
    [{ id: wenchangCompound }] = await places("compound", wenchang);
  });

  it("lists the campaigns that cover their community, with the links inside it, and no office actions", async () => {
    const { campaigns, canManage } = await listLoader(args("/campaigns", {}));
    expect(canManage).toBe(false);
    const names = campaigns.map((c) => c.name);
    expect(names).toContain("两个社区的批次");
    expect(names).not.toContain("只有文昌社区的批次");
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from campaign_links l join places p on p.id = l.place_id
      where l.campaign_id = ${inside} and p.path @> array[${await placeId(countyId, "禾城街道", "锦湖社区")}]::int[]`;
    expect(campaigns.find((c) => c.id === inside)!.links).toBe(n);
    expect((await listLoader(args("/campaigns", {}, adminCookie))).canManage).toBe(true);
  });

  it("see no other campaign's name: not in the rates picker, the response filters or an export's file name", async () => {
    for (const names of [
      (await ratesLoader(args("/rates", {}))).campaigns.map((c) => c.name),
      (await responsesLoader(args("/responses", {}))).campaigns.map((c) => c.name),
    ]) {
      expect(names).toContain("两个社区的批次");
      expect(names).not.toContain("只有文昌社区的批次");
    }
    const admin = (await responsesLoader(args("/responses", {}, adminCookie))).campaigns.map((c) => c.name);
    expect(admin).toContain("只有文昌社区的批次");
    expect(await status(exportLoader(args(`/responses/export?campaign=${outside}&format=csv`, {})))).toBe(404);
    const exported = (await exportLoader(args(`/responses/export?campaign=${inside}&format=csv`, {}))) as Response;
    expect(decodeURIComponent(exported.headers.get("Content-Disposition")!)).toContain("两个社区的批次");
  });

  it("opens such a campaign with only their links and no state changes; another campaign is not found", async () => {
    const page = await detailLoader(args(`/campaigns/${inside}`, { campaignId: String(inside) }));
    expect(page.moves).toEqual([]);
    expect(page.links.length).toBeGreaterThan(0);
    expect(new Set(page.links.map((l) => l.communityName))).toEqual(new Set(["锦湖社区"]));
    expect(await status(detailLoader(args(`/campaigns/${outside}`, { campaignId: String(outside) })))).toBe(404);
    // Opening, pausing and closing stay with the office.
    const post = detailAction({
      request: new Request(`http://test/campaigns/${inside}`, {
        method: "POST",
        headers: { Cookie: communityCookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ state: "open" }),
      }),
      params: { campaignId: String(inside) },
      context,
    });
    expect(await status(post)).toBe(403);
    expect((await getCampaign(countyId, inside))!.state).toBe("draft");
  });

  it("prints posters and household slips inside their community; a place outside answers 404", async () => {
    const posters = await postersLoader(
      args(`/campaigns/${inside}/posters/${jinhuCompound}`, { campaignId: String(inside), placeId: String(jinhuCompound) }),
    );
    expect(posters.posters.length).toBeGreaterThan(1);
    expect(await status(postersLoader(args("", { campaignId: String(inside), placeId: String(wenchangCompound) })))).toBe(404);

    const [building] = await places("building", jinhuCompound);
    const [otherBuilding] = await places("building", wenchangCompound);
    const slips = await codesLoader(args("", { campaignId: String(inside), placeId: String(building.id) }));
    expect(slips.codes.length).toBeGreaterThan(0);
    expect(slips.place).toMatch(/^锦湖社区 /);
    expect(await status(codesLoader(args("", { campaignId: String(inside), placeId: String(otherBuilding.id) })))).toBe(404);

    const csv = (await csvLoader(args(`/campaigns/${inside}/links.csv`, { campaignId: String(inside) }))) as Response;
    const rows = new TextDecoder()
      .decode(await csv.arrayBuffer())
      .trimEnd()
      .split("\r\n")
      .slice(1);
    expect(rows).toHaveLength((await linksOf(await signedIn("community", DEMO_PASSWORD), inside)).length);
    expect(rows.every((r) => r.split(",")[1] === "锦湖社区")).toBe(true);
    expect(await status(csvLoader(args("", { campaignId: String(outside) })))).toBe(404);
  });

  it("keeps roles without printing out", async () => {
    expect(await status(listLoader(args("/campaigns", {}, await cookieFor("viewer"))))).toBe(403);
    expect(await status(listLoader(args("/campaigns", {}, await cookieFor("volunteer"))))).toBe(403);
  });
});

describe("npm run cli -- links", () => {
  let code: string;
  let total: number;
  let output = "";

  beforeAll(async () => {
    const [, community] = await places("community");
    const { id, links } = await created([community.id]);
    code = (await getCampaign(countyId, id))!.code;
    total = links;
  });

  async function cli(...args: string[]) {
    output = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((output += String(chunk)), true));
    vi.spyOn(console, "log").mockImplementation((...parts) => void (output += `${parts.join(" ")}\n`));
    vi.spyOn(console, "error").mockImplementation(() => {});
    const status = await linksCommand(args);
    vi.restoreAllMocks();
    return status;
  }

  it("writes CSV with a BOM, one row per link, the resident URL and the QR target", async () => {
    vi.stubEnv("PUBLIC_URL", "https://wm.example.cn");
    reloadAppEnv();
    expect(await cli("--campaign", code, "--format", "csv")).toBe(0);
    expect(output.startsWith("\uFEFF街道,社区,小区,楼栋,层级,链接码,链接,二维码地址\r\n")).toBe(true);
    const rows = output.trimEnd().split("\r\n").slice(1);
    expect(rows).toHaveLength(total);
    for (const row of rows)
      expect(row).toMatch(/,(小区|楼栋),(\w{8}),https:\/\/wm\.example\.cn\/s\/\2,https:\/\/wm\.example\.cn\/s\/\2\?src=qr$/);
  });

  it("writes JSON with the place of each link", async () => {
    expect(await cli("--campaign", code, "--format", "json", "--origin", "http://10.0.0.5:3000/anything")).toBe(0);
    const rows = JSON.parse(output) as Record<string, string | null>[];
    expect(rows).toHaveLength(total);
    const building = rows.find((r) => r.level === "building")!;
    expect(Object.keys(building)).toEqual(["street", "community", "compound", "building", "level", "code", "url", "qrUrl"]);
    expect(building.url).toBe(`http://10.0.0.5:3000/s/${building.code}`);
    expect(building.qrUrl).toBe(`http://10.0.0.5:3000/s/${building.code}?src=qr`);
    expect(building.community).toMatch(/社区$/);
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from campaign_links l join campaigns c on c.id = l.campaign_id join places p on p.id = l.place_id
      where c.code = ${code} and p.level = 'building'`;
    expect(rows.filter((r) => r.level === "building")).toHaveLength(n);
  });

  it("prints a readable table by default, and audits every listing", async () => {
    const before = await sql`select count(*)::int as n from audit_log where action = 'campaign.links.export' and target = ${code}`;
    expect(await cli("--campaign", code)).toBe(0);
    const lines = output.trimEnd().split("\n");
    expect(lines[0]).toContain(`(${code}): ${total} links`);
    expect(lines[2]).toMatch(/^街道\s+社区\s+小区\s+楼栋\s+层级\s+链接\s+二维码地址$/);
    expect(lines).toHaveLength(total + 4);
    const after = await sql`select count(*)::int as n from audit_log where action = 'campaign.links.export' and target = ${code}`;
    expect(after[0].n).toBe(before[0].n + 1);
  });

  // As operators type it: through npm, whose own "> wenming-survey@0.1.0 cli" banner goes to stdout
  // unless -s is given, so the README shows `npm run -s cli` for redirection, and --out for files.
  const npm = (args: string[]) =>
    promisify(execFile)("npm", args, { cwd: ROOT, env: { ...process.env, PUBLIC_URL: "https://wm.example.cn" }, encoding: "utf8" });

  it("`npm run -s cli -- links --format json` writes nothing but the JSON to stdout", async () => {
    const { stdout, stderr } = await npm(["run", "-s", "cli", "--", "links", "--campaign", code, "--format", "json"]);
    const rows = JSON.parse(stdout) as { url: string }[];
    expect(rows).toHaveLength(total);
    expect(rows[0].url).toMatch(/^https:\/\/wm\.example\.cn\/s\/\w{8}$/);
    expect(stderr).toContain("resident links use https://wm.example.cn (from PUBLIC_URL)");
  });

  it("plain `npm run cli -- links --out <file>` writes a clean file whatever npm prints", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wm-links-"));
    const json = path.join(dir, "links.json");
    const csv = path.join(dir, "links.csv");
    const { stdout, stderr } = await npm(["run", "cli", "--", "links", "--campaign", code, "--format", "json", "--out", json]);
    expect(stdout).not.toContain('"url"');
    expect(stderr).toContain(`${total} links written to ${json}`);
    expect(JSON.parse(readFileSync(json, "utf8"))).toHaveLength(total);
    await npm(["run", "cli", "--", "links", "--campaign", code, "--format", "csv", "--out", csv]);
    expect(readFileSync(csv, "utf8").startsWith("\uFEFF街道,社区,小区,楼栋,层级,链接码,链接,二维码地址\r\n")).toBe(true);
    // A folder that does not exist: a clear message, exit code 2.
    const failed = await npm(["run", "-s", "cli", "--", "links", "--campaign", code, "--out", path.join(dir, "no", "such", "x.csv")]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining("cannot write") });
  });

  it("fails clearly for an unknown campaign or a bad format", async () => {
    expect(await cli("--campaign", "no-such-campaign")).toBe(1);
    expect(await cli("--campaign", code, "--format", "xml")).toBe(2);
    expect(await cli()).toBe(2);
  });
});
