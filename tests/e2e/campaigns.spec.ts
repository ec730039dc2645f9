import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/.artifacts";

async function signedIn(page: Page, identifier: string) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill("demo2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Page objects in a PDF: one per printed sheet. */
const pdfPages = (pdf: Buffer) => pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;

test("admin creates a campaign on a phone, opens it and prints door posters and household slips", async ({ page }) => {
  await signedIn(page, "admin");
  await page.goto("/campaigns");
  await expect(page.getByTestId("campaign-list")).toContainText("第二轮入户模拟调查");

  await page.getByRole("link", { name: "新建调查批次" }).click();
  await expect(page.getByRole("heading", { name: "新建调查批次" })).toBeVisible();
  // Submitting nothing: every problem is named in Chinese beside its field.
  await page.getByRole("button", { name: "创建调查批次" }).click();
  await expect(page.getByText("请填写名称（1–200 字）")).toBeVisible();
  await expect(page.getByText("请至少选择一个社区、小区或楼栋")).toBeVisible();

  const code = `e2e-${Date.now().toString(36)}`;
  await page.getByLabel("名称").fill("楼栋门口扫码测评");
  await page.getByLabel("批次代码").fill(code);
  await page.getByLabel(/一户一份/).check();
  // The first compound of the first community, whole; one building of the next compound.
  const community = page.locator(".target-community").first();
  const compound = community.locator(".target-compounds > li").first();
  const compoundName = (await compound.locator(".choice").first().innerText()).split(/\s/)[0];
  await compound.locator("input[name=target]").first().check();
  const next = community.locator(".target-compounds > li").nth(1);
  await next.locator("summary").click();
  await next.locator(".target-building-grid input").first().check();
  await expect(page.getByTestId("target-summary")).toContainText("已选：0 个社区、1 个小区、1 栋楼");
  await page.screenshot({ path: `${SHOTS}/campaign-new-phone.png`, fullPage: true });
  await page.getByRole("button", { name: "创建调查批次" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toContainText("楼栋门口扫码测评");
  await expect(page.getByRole("status")).toContainText(/共生成 \d+ 个链接/);
  const links = page.getByTestId("campaign-links");
  const buildingRows = links.locator("tbody tr:not(.compound-row)");
  const created = Number((await page.getByRole("status").innerText()).match(/共生成 (\d+) 个链接/)![1]);
  await expect(buildingRows).toHaveCount(created);
  await expect(links).toContainText("小区入口（全小区）");
  await expect(page.getByText("未开放").first()).toBeVisible();

  await page.getByRole("button", { name: "开放" }).click();
  await expect(page.getByRole("status")).toHaveText("状态已改为“进行中”。");
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");
  await expect(page.getByRole("button", { name: "开放" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "暂停" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/campaign-detail-phone.png`, fullPage: true });

  // The QR code of a link is an SVG image; the link list a CSV with a BOM.
  const qrHref = await links.getByRole("link", { name: "二维码" }).first().getAttribute("href");
  const qr = await page.request.get(qrHref!);
  expect(qr.headers()["content-type"]).toBe("image/svg+xml; charset=utf-8");
  expect(await qr.text()).toMatch(/^<svg[^>]+viewBox="0 0 \d+ \d+".*<path/s);
  const csv = await page.request.get(`${new URL(page.url()).pathname}/links.csv`);
  const csvText = (await csv.body()).toString("utf8");
  expect(csvText.startsWith("\uFEFF街道,社区,小区,楼栋,层级,链接码,链接,二维码地址")).toBe(true);
  expect(csvText.trimEnd().split("\r\n")).toHaveLength(created + 1);

  // Door posters for the whole compound: its entrance plus every building.
  await links.locator(".compound-row").filter({ hasText: compoundName }).getByRole("link", { name: "打印门牌海报" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`门牌海报：${compoundName}`);
  const posters = page.getByTestId("poster");
  const posterCount = await posters.count();
  expect(posterCount).toBeGreaterThan(1);
  await expect(posters.first()).toContainText("请扫码填写创文满意度问卷，感谢您的支持！");
  await expect(posters.first().locator("svg path").first()).toBeAttached();
  await page.screenshot({ path: `${SHOTS}/posters-phone.png`, fullPage: true });

  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: "print" });
  await expect(page.locator(".topbar")).toBeHidden();
  await expect(page.getByRole("button", { name: "打印" })).toBeHidden();
  await page.screenshot({ path: `${SHOTS}/posters-a4.png`, fullPage: true });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  expect(pdfPages(pdf)).toBe(Math.ceil(posterCount / 2));

  // Household slips for one building (the one-per-household policy).
  await page.emulateMedia({ media: "screen" });
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goBack();
  await links.getByRole("link", { name: "户码条" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("户码条：");
  const slips = page.getByTestId("slip");
  const slipCount = await slips.count();
  expect(slipCount).toBeGreaterThan(0);
  await expect(slips.first()).toContainText(/户码\s*[2-9A-HJ-NP-Z]{8}/);
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: `${SHOTS}/slips-a4.png`, fullPage: true });
  expect(pdfPages(await page.pdf({ format: "A4", printBackground: true }))).toBe(Math.ceil(slipCount / 8));
});

test("the demo campaign lists its links and a viewer cannot reach campaigns", async ({ page }) => {
  await signedIn(page, "admin");
  await page.goto("/campaigns");
  await expect(page.getByTestId("campaign-list")).toContainText("第一轮入户模拟调查");
  await page.screenshot({ path: `${SHOTS}/campaigns-phone.png`, fullPage: true });
  await page.getByRole("link", { name: "第二轮入户模拟调查" }).click();
  await expect(page.getByText("demo", { exact: true })).toBeVisible();
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");
  // All seven communities: 42 compounds and 415 buildings.
  await expect(page.getByTestId("campaign-totals")).toContainText("链接457");
  await page.context().clearCookies();

  await signedIn(page, "viewer");
  await expect(page.getByRole("link", { name: "调查批次" })).toHaveCount(0);
  expect((await page.goto("/campaigns"))?.status()).toBe(403);
});
