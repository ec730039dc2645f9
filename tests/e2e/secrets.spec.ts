// Nothing secret in the server's log or in its error pages (issue #12): passwords (right and
// wrong), session tokens, API tokens and callers' phone numbers go through a production server
// whose whole output this test keeps, on the paths where they are most likely to leak — failed
// sign-ins, a token push with a malformed body and a rejected row, a file import with a bad row,
// an export with full numbers, an agent's reveal of a number — and are then looked for in that
// output and in every error answer.
import { randomInt } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { PHONE } from "../../playwright.config";
import { signIn, startSecondServer, type SecondServer } from "./helpers";

let server: SecondServer;
let base = "";

test.beforeAll(async () => {
  // A second production server on the journeys' database: its whole output is what is searched.
  server = await startSecondServer();
  base = server.base;
});

test.afterAll(async () => {
  await server?.stop();
});

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join("");

test("no password, session token, API token or caller's number reaches the server's log or an error page", async ({ browser }) => {
  test.setTimeout(120_000);
  const password = `Pw-${digits(8)}-secret`;
  const wrongPassword = `Wrong-${digits(8)}-secret`;
  const username = `leak${digits(6)}`;
  const phones = { pushed: `139${digits(8)}`, rejected: `137${digits(8)}`, malformed: `136${digits(8)}`, imported: `135${digits(8)}` };
  const errorBodies: string[] = [];

  const context = await browser.newContext({ ...PHONE, baseURL: base });
  const admin = await context.newPage();
  await signIn(admin, "admin");
  // An account with a password only this test knows (the demo's is printed at start on purpose).
  await admin.goto("/admin/users/new");
  await admin.getByLabel("用户名").fill(username);
  await admin.getByLabel("姓名").fill("日志检查");
  await admin.getByLabel("角色").selectOption("hotline_agent");
  await admin.getByLabel("初始密码").fill(password);
  await admin.getByRole("button", { name: "创建账号" }).click();
  await expect(admin.getByText("账号已创建。")).toBeVisible();
  await admin.goto("/admin/tokens");
  await admin.getByLabel("名称").fill("日志检查平台");
  await admin.getByRole("button", { name: "创建令牌" }).click();
  const token = (await admin.getByTestId("new-token").textContent())!;
  expect(token).toMatch(/^wmt_/);

  const api: APIRequestContext = await playwrightRequest.newContext({ baseURL: base });
  const login = (identifier: string, secret: string) =>
    api.post("/login", { form: { identifier, password: secret, redirectTo: "/" }, maxRedirects: 0 });
  // A wrong password; then a password typed into the user name field by mistake (the page may
  // give the typist back what they typed there, the log may not keep it).
  const refused = await login(username, wrongPassword);
  expect(refused.status()).toBe(401);
  errorBodies.push(await refused.text());
  expect((await login(password, wrongPassword)).status()).toBe(401);
  const signedIn = await login(username, password);
  expect(signedIn.status()).toBe(302);
  const session = /wm_session=([^;]+)/.exec(signedIn.headers()["set-cookie"] ?? "")![1];
  expect(session.length).toBeGreaterThan(20);
  expect((await api.get("/tickets")).status()).toBe(200);

  // The platform's push: one good ticket, one with a bad date, then a body that is not JSON.
  const push = (body: string) =>
    api.post("/api/tickets", { headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, data: body });
  const pushed = await push(
    JSON.stringify({
      tickets: [
        { number: `LEAK-${digits(6)}`, receivedAt: "2026-11-20 09:00", completedAt: "2026-11-21 10:00", phone: phones.pushed },
        { number: `LEAK-${digits(6)}`, receivedAt: "not a date", phone: phones.rejected },
      ],
    }),
  );
  expect(pushed.status()).toBe(200);
  const pushedBody = await pushed.text();
  expect(pushedBody).toContain("rejected");
  errorBodies.push(pushedBody);
  const malformed = await push(`{"tickets": [{"number": "LEAK-1", "phone": "${phones.malformed}"`);
  expect(malformed.status()).toBe(400);
  errorBodies.push(await malformed.text());
  const wrongToken = await api.post("/api/tickets", { headers: { Authorization: `Bearer ${token}x` }, data: { tickets: [] } });
  expect(wrongToken.status()).toBe(401);
  errorBodies.push(await wrongToken.text());

  // A file with a bad row, through the import pages.
  const csv = `工单编号,受理时间,办结时间,来电号码\nLEAK-F1,2026-11-20 08:00,2026-11-20 12:00,${phones.imported}\nLEAK-F2,昨天,2026-11-20 12:00,${phones.imported}\n`;
  await admin.goto("/tickets/import");
  await admin.getByLabel("工单文件").setInputFiles({ name: "日志检查.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await admin.getByRole("button", { name: "上传并识别列名" }).click();
  await admin.getByRole("button", { name: "开始检查" }).click();
  await expect(admin.getByRole("heading", { name: "检查完成" })).toBeVisible({ timeout: 20_000 });
  await expect(admin.getByTestId("import-issues")).toContainText("第 3 行");
  errorBodies.push(await admin.getByTestId("import-issues").innerText());
  await admin.getByRole("button", { name: /只导入 1 条正确的行/ }).click();
  await expect(admin.getByText("导入完成。")).toBeVisible({ timeout: 20_000 });

  // An export with full numbers (an admin, with a reason): the numbers are in the file, not the log.
  const exported = await admin.request.post("/tickets/export", { form: { reason: "核对来电号码" } });
  expect(exported.status()).toBe(200);
  expect((await exported.body()).length).toBeGreaterThan(0);

  // The agent's reveal of a caller's number while holding the callback.
  const agentContext = await browser.newContext({ ...PHONE, baseURL: base });
  const agent = await agentContext.newPage();
  await signIn(agent, username, password);
  await agent.goto("/hotline");
  await agent
    .getByTestId("callback-queue")
    .locator("tbody tr", { hasText: "测评样本" })
    .filter({ hasNotText: "二次回访" })
    .filter({ hasNotText: "次未接通" })
    .last()
    .getByRole("link")
    .click();
  await expect(agent.getByRole("heading", { level: 1 })).toHaveText(/^工单 /);
  await agent.getByRole("button", { name: "领取并回访" }).click();
  await agent.getByRole("button", { name: "显示完整号码" }).click();
  await expect(agent.getByTestId("phone")).toContainText(/1\d{10}/);
  const revealed = /1\d{10}/.exec(await agent.getByTestId("phone").innerText())![0];

  // Let the request log's 100 ms batches reach the pipe.
  await expect.poll(() => server.output().includes("POST /tickets/export"), { timeout: 5_000 }).toBe(true);
  expect(server.output()).toContain("POST /api/tickets 400");
  expect(server.output()).toContain("POST /login 401");
  const secrets = { password, wrongPassword, session, token, ...phones, revealed };
  for (const [what, secret] of Object.entries(secrets)) {
    expect(server.output().includes(secret), `${what} in the server's output`).toBe(false);
    for (const body of errorBodies) expect(body.includes(secret), `${what} in an error answer`).toBe(false);
  }
  await api.dispose();
  await agentContext.close();
  await context.close();
});
