// GET /s/<code> as server.ts serves it (app/document.server.tsx, without Remix's request handler),
// against Remix's own answer for the same request on the same server build: the same document,
// status and headers; and the notices of a campaign that is paused, closed or already answered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { sql } from "~/db.server";
import { createCampaign, setCampaignState, type DuplicatePolicy } from "~/models/campaigns.server";
import { submitResponse } from "~/models/responses.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { deviceCookie } from "~/models/resident.server";
import { PAGE_CAMPAIGN_MS } from "~/models/campaigns.server";
import type { renderResidentPage as Render } from "~/document.server";
import { seedDemoCounty } from "../../db/seed/index";

const DEFINITION = {
  title: "楼栋满意度调查",
  description: "大约需要一分钟。",
  pages: [
    {
      title: "满意度",
      elements: [
        { type: "radiogroup", name: "env", title: "环境卫生满意吗？", isRequired: true, choices: ["满意", "基本满意", "不满意"] },
        { type: "checkbox", name: "why", title: "哪些方面不满意？", visibleIf: "{env} = '不满意'", choices: ["垃圾", "噪音"] },
        { type: "comment", name: "advice", title: "建议", maxLength: 200 },
      ],
    },
  ],
};

const UA = "Mozilla/5.0 (Linux; Android 12) vitest";
const NONCE = "bm9uY2Utb2YtdGhpcy10ZXN0";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

let vite: ViteDevServer;
let build: ServerBuild;
let render: typeof Render;
let remix: (request: Request) => Promise<Response>;
let countyId: number;
let versionId: number;
let buildingId: number;

async function campaignWith(policy: DuplicatePolicy) {
  const created = await createCampaign(
    { id: null, countyId },
    {
      code: `p-${policy}-${Math.random().toString(36).slice(2, 8)}`,
      name: "页面测试批次",
      surveyVersionId: versionId,
      opensAt: new Date(Date.now() - 3600_000),
      closesAt: new Date(Date.now() + 2 * 86400_000),
      duplicatePolicy: policy,
      targetPlaceIds: [buildingId],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  await setCampaignState(countyId, created.id, "open");
  const [link] = await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${created.id}`;
  return { id: created.id, code: link.code };
}

const headersOf = (cookie: string | null) => ({ "User-Agent": UA, ...(cookie ? { Cookie: cookie } : {}) });

/** What server.ts answers (renderResidentPage with Express's request) for this path. */
function express(path: string, cookie: string | null, nonce = NONCE) {
  const headers = new Headers(headersOf(cookie));
  return render(
    build,
    { method: "GET", url: `http://localhost${path}`, headers, address: "127.0.0.1" },
    path.split("/")[2].split("?")[0],
    nonce,
  );
}

/** What Remix's own request handler answers for the same request, once every part of the document
 *  is ready (what entry.server sends a crawler). To a phone Remix sends the same document in two
 *  parts: the data scripts after the rest, moved into place by an inline script of React's. */
async function viaRemix(path: string, cookie: string | null) {
  const headers = { ...headersOf(cookie), "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)" };
  const response = await remix(new Request(`http://localhost${path}`, { headers }));
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** The same document whatever the random client key of the visit. */
const sameDocument = (html: string) => html.replace(UUID, "<client key>");

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const surveyId = await createSurvey({ id: null, countyId }, { title: "楼栋满意度调查", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
  [{ id: buildingId }] = await sql<{ id: number }[]>`
    select id from places where level = 'building' and county_id = ${countyId} order by id limit 1`;
  // The server build as server.ts loads it in development (the production build is the same code, bundled).
  vite = await createServer({ server: { middlewareMode: true, hmr: false }, logLevel: "error" });
  build = (await vite.ssrLoadModule("virtual:remix/server-build")) as ServerBuild;
  render = (build.entry.module as unknown as { renderResidentPage: typeof Render }).renderResidentPage;
  const handler = createRequestHandler(build, "production");
  remix = (request) => handler(request, { cspNonce: NONCE, clientIp: null });
}, 120_000);

afterAll(async () => {
  await vite?.close();
});

describe("the resident page served by server.ts", () => {
  it("is the document Remix renders for the same request, with its status and headers, never cached", async () => {
    const { code } = await campaignWith("device");
    const cookie = await deviceCookie.serialize(crypto.randomUUID());
    const path = `/s/${code}?src=qr`;
    const page = (await express(path, cookie))!;
    const reference = await viaRemix(path, cookie);
    expect(page.status).toBe(200);
    expect(reference.status).toBe(200);
    expect(sameDocument(page.html)).toBe(sameDocument(reference.html));
    expect(page.headers).toEqual({ "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    expect(reference.headers.get("cache-control")).toBe("no-store");

    // What a phone sees before any script: the questionnaire, the place, the QR channel, the
    // nonce on every inline script, and the data the page hydrates from.
    expect(page.html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page.html).toContain('<html lang="zh-CN">');
    expect(page.html).toContain("<title>楼栋满意度调查</title>");
    expect(page.html).toContain("环境卫生满意吗？");
    expect(page.html).toContain('name="__src" value="qr"');
    const scripts = page.html.match(/<script[^>]*>/g)!;
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const tag of scripts) expect(tag).toContain(`nonce="${NONCE}"`);
    expect(page.html).toContain("window.__remixContext.streamController.enqueue(");
    expect(page.html).toContain('"routes/s.$code"');
    // Each visit gets its own client key (a double tap shares one; two residents never do).
    const again = (await express(path, cookie))!;
    expect(page.html.match(UUID)![0]).not.toBe(again.html.match(UUID)![0]);
  });

  it("serves later visits from the document kept for the link: each its own key and nonce, the rest as Remix renders it", async () => {
    const { id, code } = await campaignWith("device");
    const cookie = await deviceCookie.serialize(crypto.randomUUID());
    const path = `/s/${code}?src=qr`;
    const first = (await express(path, cookie))!;
    const other = "b3RoZXItbm9uY2Utb2YtYQ==";
    const second = (await express(path, cookie, other))!;
    const keyOf = (html: string) => html.match(/name="__key" value="([^"]+)"/)![1];
    expect(keyOf(second.html)).not.toBe(keyOf(first.html));
    // The visit's key is the one the page hydrates with, and the other response's nonce is on every script.
    expect(second.html.split(keyOf(second.html)).length - 1).toBe(first.html.split(keyOf(first.html)).length - 1);
    expect(second.html).not.toContain(keyOf(first.html));
    expect(second.html).not.toContain(NONCE);
    for (const tag of second.html.match(/<script[^>]*>/g)!) expect(tag).toContain(`nonce="${other}"`);
    expect(second.html.replaceAll(other, NONCE).replaceAll(keyOf(second.html), keyOf(first.html))).toBe(first.html);
    expect(sameDocument((await express(path, cookie))!.html)).toBe(sameDocument((await viaRemix(path, cookie)).html));
    // Another query is another document: a link that was not scanned says so.
    const plain = (await express(`/s/${code}`, cookie))!;
    expect(plain.html).toContain('name="__src" value=""');
    expect(sameDocument(plain.html)).toBe(sameDocument((await viaRemix(`/s/${code}`, cookie)).html));
    // A renamed campaign is drawn anew once the page's campaign is read again.
    await sql`update campaigns set name = '页面测试批次（更名）' where id = ${id}`;
    await new Promise((r) => setTimeout(r, PAGE_CAMPAIGN_MS + 100));
    const renamed = (await express(path, cookie))!;
    expect(renamed.html).toContain("页面测试批次（更名）");
    expect(sameDocument(renamed.html)).toBe(sameDocument((await viaRemix(path, cookie)).html));
  });

  it("gives a phone without a device id one, as Remix does", async () => {
    const { code } = await campaignWith("device");
    const page = (await express(`/s/${code}`, null))!;
    const id = await deviceCookie.parse(page.headers["Set-Cookie"].split(";")[0]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.headers["Set-Cookie"]).toContain("HttpOnly");
    expect(page.headers["Set-Cookie"]).toContain("Path=/s");
    const reference = await viaRemix(`/s/${code}`, null);
    expect(reference.headers.get("set-cookie")).toMatch(/^wm_dev=.+; Max-Age=94608000; Path=\/s; HttpOnly; SameSite=Lax$/);
  });

  it("leaves an unknown code to Remix, which answers 404 with the resident's notice", async () => {
    expect(await express("/s/NoSuchCode1", null)).toBeNull();
    expect(await express("/s/bad.data", null)).toBeNull();
    const reference = await viaRemix("/s/NoSuchCode1", null);
    expect(reference.status).toBe(404);
    expect(reference.html).toContain("链接无效");
  });

  it("says a campaign is paused or closed (within a second on another instance) and that a phone already answered", async () => {
    const { id, code } = await campaignWith("device");
    const device = crypto.randomUUID();
    const cookie = await deviceCookie.serialize(device);
    expect((await express(`/s/${code}`, cookie))!.html).toContain("环境卫生满意吗？");

    // This test's models are not the build's: like another app instance, it changes the state
    // behind the page's cached campaign, which the page shows within PAGE_CAMPAIGN_MS.
    await setCampaignState(countyId, id, "paused");
    await new Promise((r) => setTimeout(r, PAGE_CAMPAIGN_MS + 100));
    const paused = (await express(`/s/${code}`, cookie))!;
    expect(paused.status).toBe(200);
    expect(paused.html).toContain("调查暂停中");
    expect(paused.html).not.toContain("环境卫生满意吗？");
    expect(sameDocument(paused.html)).toBe(sameDocument((await viaRemix(`/s/${code}`, cookie)).html));

    await setCampaignState(countyId, id, "open");
    await new Promise((r) => setTimeout(r, PAGE_CAMPAIGN_MS + 100));
    const stored = await submitResponse({
      code,
      clientKey: crypto.randomUUID(),
      versionId,
      answers: { env: "满意" },
      startedAt: null,
      deviceId: device,
      householdCode: null,
      userAgent: UA,
      channel: "qr",
      collectedBy: null,
    });
    expect(stored.ok).toBe(true);
    const used = (await express(`/s/${code}`, cookie))!;
    expect(used.status).toBe(409);
    expect(used.html).toContain("您已经提交过了");
    // Another phone still gets the questionnaire: the device lookups asked together are answered apart.
    const [mine, other] = await Promise.all([
      express(`/s/${code}`, cookie),
      express(`/s/${code}`, await deviceCookie.serialize(crypto.randomUUID())),
    ]);
    expect([mine!.status, other!.status]).toEqual([409, 200]);

    await setCampaignState(countyId, id, "closed");
    await new Promise((r) => setTimeout(r, PAGE_CAMPAIGN_MS + 100));
    const closed = (await express(`/s/${code}`, cookie))!;
    expect(closed.status).toBe(410);
    expect(closed.html).toContain("调查已结束");
    const reference = await viaRemix(`/s/${code}`, cookie);
    expect(reference.status).toBe(410);
    expect(sameDocument(closed.html)).toBe(sameDocument(reference.html));
  });
});
