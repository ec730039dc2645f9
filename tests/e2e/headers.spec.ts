// Hostile-input headers on the production server's real responses: the CSP of pages and of the
// resident's JSON submit, cookie flags with and without TLS at the loopback proxy, the cross-site
// refusal of state-changing requests, sign-in throttling across two app instances, and upload
// forms posted without multipart/form-data.
import { networkInterfaces } from "node:os";
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { E2E_PORT } from "../../playwright.config";
import { cli, DEMO_PASSWORD, startSecondServer, type SecondServer } from "./helpers";

const BASE = `http://localhost:${E2E_PORT}`;

function demoBuildingCode(): string {
  const links = JSON.parse(cli("links", "--campaign", "demo", "--format", "json")) as { level: string; code: string }[];
  return links.filter((l) => l.level === "building")[0].code;
}

const setCookies = (response: APIResponse) =>
  response
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "set-cookie")
    .map((h) => h.value);

/** A fresh client: no cookies from other tests. */
const client = () => playwrightRequest.newContext({ baseURL: BASE });

async function signIn(api: APIRequestContext, identifier: string, password: string, headers: Record<string, string> = {}, base = BASE) {
  return api.post(`${base}/login`, { form: { identifier, password, redirectTo: "/" }, headers, maxRedirects: 0 });
}

test("pages carry the production CSP with a fresh script nonce and frame-ancestors 'self'; the submit JSON frame-ancestors 'none'", async () => {
  const api = await client();
  const code = demoBuildingCode();
  const nonces: string[] = [];
  // /login through Remix's handler, /s/<code> rendered by server.ts itself (docs/decisions/006).
  for (const url of ["/login", "/login", `/s/${code}`]) {
    const page = await api.get(url);
    expect(page.status(), url).toBe(200);
    const csp = page.headers()["content-security-policy"];
    const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]{24})'/.exec(csp)?.[1];
    expect(nonce, `${url}: ${csp}`).toBeTruthy();
    nonces.push(nonce!);
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(page.headers()["x-frame-options"]).toBe("SAMEORIGIN");
    expect(page.headers()["x-content-type-options"]).toBe("nosniff");
    // Every inline script carries this response's nonce, and no other.
    const html = await page.text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => /nonce="([^"]+)"/.exec(m[1])?.[1]);
    expect(inline.length, url).toBeGreaterThanOrEqual(1);
    for (const n of inline) expect(n, url).toBe(nonce);
  }
  expect(new Set(nonces).size).toBe(3);

  const submit = await api.post(`/s/${code}/submit`, { form: { __key: "x" } });
  expect(submit.status()).toBe(400);
  expect(await submit.json()).toEqual({ ok: false, reason: "malformed" });
  expect(submit.headers()["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'");
  expect(submit.headers()["x-frame-options"]).toBe("SAMEORIGIN");
  await api.dispose();
});

test("the session and device cookies are HttpOnly and SameSite=Lax, and Secure only when TLS ended at the loopback proxy", async () => {
  const code = demoBuildingCode();
  for (const tls of [false, true]) {
    const api = await client();
    const headers: Record<string, string> = tls ? { "X-Forwarded-Proto": "https" } : {};
    const signedIn = await signIn(api, "street", DEMO_PASSWORD, headers);
    expect(signedIn.status()).toBe(302);
    const [session] = setCookies(signedIn);
    expect(session).toMatch(/^wm_session=[^;]+; Max-Age=604800; Path=\/; HttpOnly;( Secure;)? SameSite=Lax$/);
    expect(session.includes("; Secure"), `session cookie over ${tls ? "https" : "http"}`).toBe(tls);

    const page = await api.get(`/s/${code}`, { headers });
    const [device] = setCookies(page);
    expect(device).toMatch(/^wm_dev=[^;]+; Max-Age=94608000; Path=\/s; HttpOnly;( Secure;)? SameSite=Lax$/);
    expect(device.includes("; Secure"), `device cookie over ${tls ? "https" : "http"}`).toBe(tls);

    const out = await api.post("/logout", { headers, maxRedirects: 0 });
    const [cleared] = setCookies(out);
    expect(cleared).toMatch(/^wm_session=; Max-Age=0;/);
    expect(cleared.includes("; Secure")).toBe(tls);
    await api.dispose();
  }
});

test("X-Forwarded-Proto from a client that is not the loopback proxy is not believed: no Secure flag", async () => {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === "IPv4")?.address;
  test.skip(!address, "this machine has no non-loopback IPv4 address to connect from");
  const api = await playwrightRequest.newContext();
  const direct = `http://${address}:${E2E_PORT}`;
  const signedIn = await signIn(api, "street", DEMO_PASSWORD, { "X-Forwarded-Proto": "https", Origin: direct }, direct);
  expect(signedIn.status()).toBe(302);
  const [session] = setCookies(signedIn);
  expect(session).toMatch(/^wm_session=[^;]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
  const page = await api.get(`${direct}/s/${demoBuildingCode()}`, { headers: { "X-Forwarded-Proto": "https" } });
  expect(setCookies(page)[0]).toMatch(/^wm_dev=[^;]+; Max-Age=94608000; Path=\/s; HttpOnly; SameSite=Lax$/);
  await api.dispose();
});

test("a state-changing request from another site is refused; the same posts from the app's own pages go through", async () => {
  const code = demoBuildingCode();
  const api = await client();
  const posts: { what: string; url: string; form?: Record<string, string>; data?: unknown; sameSiteStatus: number }[] = [
    { what: "JSON API (visit sync)", url: "/api/visits", data: { round: "x", visits: [] }, sameSiteStatus: 401 },
    // A key too short to be one: the app's own 400, which only a request past the refusal gets.
    { what: "resident submit (JSON endpoint)", url: `/s/${code}/submit`, form: { __key: "x" }, sameSiteStatus: 400 },
    { what: "resident page form post", url: `/s/${code}`, form: { __key: "x" }, sameSiteStatus: 400 },
    // Signed out: past the refusal, the page sends the caller to sign in.
    { what: "office page form", url: "/surveys/new", form: { intent: "blank" }, sameSiteStatus: 302 },
    { what: "sign-in form", url: "/login", form: { identifier: "viewer", password: DEMO_PASSWORD }, sameSiteStatus: 302 },
  ];
  const hostile: Record<string, string>[] = [
    { Origin: "https://evil.example" },
    { Origin: "null" },
    { Origin: `http://localhost.evil.example:${E2E_PORT}` },
    { Origin: `http://localhost:${E2E_PORT}.evil.example` },
    { Origin: "not a url" },
    { "Sec-Fetch-Site": "cross-site" },
  ];
  for (const post of posts) {
    for (const headers of hostile) {
      const res = await api.post(post.url, { form: post.form, data: post.data, headers, maxRedirects: 0 });
      expect(res.status(), `${post.what} with ${JSON.stringify(headers)}`).toBe(403);
      expect(await res.text()).toContain("跨站请求已被拒绝");
    }
    const sameSite: Record<string, string>[] = [{ Origin: BASE, "Sec-Fetch-Site": "same-origin" }, {}];
    for (const headers of sameSite) {
      const res = await api.post(post.url, { form: post.form, data: post.data, headers, maxRedirects: 0 });
      expect(res.status(), `${post.what} with ${JSON.stringify(headers)}`).toBe(post.sameSiteStatus);
    }
  }
  await api.dispose();
});

test.describe("sign-in throttling with two app instances on one database", () => {
  let second: SecondServer | null = null;
  let secondBase = "";

  test.beforeAll(async () => {
    second = await startSecondServer();
    secondBase = second.base;
  });

  test.afterAll(async () => {
    await second?.stop();
  });

  test("5 failures spread over both instances lock the account on both, even for the right password; another account signs in", async () => {
    const api = await client();
    const bases = [BASE, secondBase, BASE, secondBase, BASE];
    // By username and by phone number: one account, one count.
    const names = ["hotline2", "19900010008", "HOTLINE2", "hotline2", "19900010008"];
    for (let i = 0; i < 5; i++) {
      const res = await signIn(api, names[i], "wrong-password", {}, bases[i]);
      expect(res.status(), `attempt ${i + 1}`).toBe(401);
      expect(await res.text()).toContain("用户名/手机号或密码不正确。");
    }
    for (const base of [BASE, secondBase]) {
      const locked = await signIn(api, "hotline2", DEMO_PASSWORD, {}, base);
      expect(locked.status(), base).toBe(429);
      expect(await locked.text()).toContain("登录失败次数过多，请 15 分钟后再试。");
      expect(setCookies(locked)).toEqual([]);
    }
    const other = await signIn(api, "viewer", DEMO_PASSWORD, {}, secondBase);
    expect(other.status()).toBe(302);
    expect(setCookies(other)[0]).toMatch(/^wm_session=/);
    await api.dispose();
  });
});

test("upload forms posted without multipart/form-data answer 400 with the reason in Chinese and change nothing", async () => {
  const api = await client();
  expect((await signIn(api, "admin", DEMO_PASSWORD)).status()).toBe(302);
  const surveysBefore = await (await api.get("/surveys")).text();
  const surveyId = /href="\/surveys\/(\d+)"/.exec(surveysBefore)![1];
  const importsBefore = await (await api.get("/tickets/import")).text();
  for (const url of ["/surveys/new", `/surveys/${surveyId}`, "/register/import", "/tickets/import"]) {
    for (const [type, body] of [
      ["application/json", JSON.stringify({ intent: "blank", title: "改掉" })],
      ["text/plain", "intent=blank&title=x"],
    ]) {
      const res = await api.post(url, { headers: { "Content-Type": type }, data: body, maxRedirects: 0 });
      expect(res.status(), `${url} ${type}`).toBe(400);
      const html = await res.text();
      expect(html).toContain("请求无法处理");
      expect(html).toContain("提交的内容格式不正确，没有保存任何内容。");
    }
  }
  // The same pages but for this response's nonce (in the CSP, the scripts and the root's data).
  const strip = (html: string) => html.replace(/[A-Za-z0-9+/]{22}==/g, "<nonce>");
  expect(strip(await (await api.get("/surveys")).text())).toBe(strip(surveysBefore));
  expect(strip(await (await api.get("/tickets/import")).text())).toBe(strip(importsBefore));
  await api.dispose();
});
