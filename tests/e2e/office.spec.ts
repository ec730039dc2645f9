// Office journeys on a 360 px phone: the menu of every role, the account's scope, the grid
// leader's buildings, the 404 page inside the layout, confirmations before irreversible steps and
// community staff printing within their own area.
import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { cli, signIn } from "./helpers";

const SHOTS = "/tmp/shots-office";
mkdirSync(SHOTS, { recursive: true });

/** Collects uncaught page errors (a thrown script in the browser), to assert none occurred. */
function pageErrors(page: Page): Error[] {
  const errors: Error[] = [];
  page.on("pageerror", (e) => errors.push(e));
  return errors;
}

const ROLES: { user: string; scope: RegExp }[] = [
  { user: "admin", scope: /管辖范围：青禾县/ },
  { user: "street", scope: /管辖范围：青禾县 › 禾城街道/ },
  { user: "community", scope: /管辖范围：青禾县 › 禾城街道 › 锦湖社区/ },
  { user: "grid", scope: /管辖范围：锦湖社区第1网格（青禾县 › 禾城街道 › 锦湖社区）/ },
  { user: "volunteer", scope: /管辖范围：青禾县 › 禾城街道 › 锦湖社区/ },
  { user: "hotline", scope: /管辖范围：青禾县/ },
  { user: "viewer", scope: /管辖范围：青禾县/ },
];

for (const { user, scope } of ROLES) {
  test(`${user}: every menu link fits a 360 px phone and the account shows the real scope`, async ({ page }) => {
    await signIn(page, user);
    const links = page.getByRole("navigation", { name: "主导航" }).getByRole("link");
    await expect(links.first()).toBeVisible();
    const count = await links.count();
    expect(count).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      const link = links.nth(i);
      await expect(link).toBeVisible();
      const box = await link.boundingBox();
      expect(box, await link.innerText()).not.toBeNull();
      expect(box!.x, await link.innerText()).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, await link.innerText()).toBeLessThanOrEqual(360);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    if (user === "admin" || user === "grid") await page.screenshot({ path: `${SHOTS}/menu-${user}.png` });

    await page.locator(".topbar a.who").click();
    await expect(page.getByRole("heading", { name: "我的账号" })).toBeVisible();
    await expect(page.locator("main")).toContainText(scope);
  });
}

test("the grid leader's buildings name their compound", async ({ page }) => {
  await signIn(page, "grid");
  await page.goto("/places");
  await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();
  const names = page.getByTestId("place-list").locator(".name");
  expect(await names.count()).toBeGreaterThan(1);
  // "锦湖花园 3号楼", not a bare "3号楼" that repeats in every compound.
  for (const name of await names.allInnerTexts()) expect(name).toMatch(/^[^\d\s]\S*\s+\S*\d+号楼$/);
  await page.screenshot({ path: `${SHOTS}/grid-buildings.png`, fullPage: true });
});

test("an unknown address answers 404 inside the layout, menu included, without a page error", async ({ page }) => {
  const errors = pageErrors(page);
  const signedOut = await page.goto("/no-such-page");
  expect(signedOut?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到页面" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(errors.map(String)).toEqual([]);

  await signIn(page, "admin");
  const response = await page.goto("/campaigns/zzz/nothing/here");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到页面" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "调查批次" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `${SHOTS}/404-in-layout.png` });
  // The page is alive: the menu navigates on the client.
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "调查批次" }).click();
  await expect(page.getByRole("heading", { name: "调查批次" })).toBeVisible();
  expect(errors.map(String)).toEqual([]);
});

test("closing a campaign asks first, states the consequence, and cancelling changes nothing", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/campaigns/new");
  const code = `close-${Date.now().toString(36)}`;
  await page.getByLabel("名称").fill("关闭确认测试");
  await page.getByLabel("批次代码").fill(code);
  const compound = page.locator(".target-community").first().locator(".target-compounds > li").first();
  await compound.locator("input[name=target]").first().check();
  await page.getByRole("button", { name: "创建调查批次" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("关闭确认测试");
  await page.getByRole("button", { name: "开放" }).click();
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");

  await page.getByRole("button", { name: "关闭", exact: true }).click();
  const confirm = page.getByTestId("confirm-step");
  await expect(confirm).toContainText("关闭后不能重新开放");
  await expect(confirm).toContainText("居民将无法再填写");
  await page.screenshot({ path: `${SHOTS}/close-confirm.png`, fullPage: true });
  await confirm.getByRole("link", { name: "取消" }).click();
  await expect(page.getByTestId("confirm-step")).toHaveCount(0);
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");
  await page.reload();
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");

  await page.getByRole("button", { name: "关闭", exact: true }).click();
  await page.getByTestId("confirm-step").getByRole("button", { name: "确认关闭" }).click();
  await expect(page.getByRole("status")).toHaveText("状态已改为“已关闭”。");
  await expect(page.getByTestId("availability")).toHaveText("已结束，不再接受填写");
  await expect(page.getByRole("button", { name: "开放" })).toHaveCount(0);
});

test("community staff see the campaigns over their community and print posters there, nothing else", async ({ page }) => {
  await signIn(page, "community");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "调查批次" }).click();
  await expect(page.getByTestId("campaign-list")).toContainText("第二轮入户模拟调查");
  await expect(page.getByRole("link", { name: "新建调查批次" })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/community-campaigns.png`, fullPage: true });
  await page.getByRole("link", { name: /第二轮入户模拟调查/ }).click();
  await expect(page.getByTestId("availability")).toHaveText("正在接受填写");
  await expect(page.getByRole("button", { name: /开放|暂停|关闭/ })).toHaveCount(0);
  const groups = page.getByTestId("campaign-links").locator(".compound-row");
  expect(await groups.count()).toBeGreaterThan(0);
  for (const label of await groups.allInnerTexts()) expect(label).toMatch(/^锦湖社区 · /);
  await page.screenshot({ path: `${SHOTS}/community-campaign-detail.png`, fullPage: true });
  await groups.first().getByRole("link", { name: "打印门牌海报" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("门牌海报：");
  expect(await page.getByTestId("poster").count()).toBeGreaterThan(0);
  await expect(page.getByTestId("poster").first()).toContainText("锦湖社区");
});

test("the links command builds URLs on the port the app runs on", async () => {
  const rows = JSON.parse(cli("links", "--campaign", "demo", "--format", "json")) as { url: string; qrUrl: string }[];
  expect(rows.length).toBe(457);
  const port = process.env.E2E_PORT ?? "3457";
  expect(rows[0].url).toMatch(new RegExp(`^http://localhost:${port}/s/[A-Za-z0-9]{8}$`));
  expect(rows[0].qrUrl).toMatch(new RegExp(`^http://localhost:${port}/s/[A-Za-z0-9]{8}\\?src=qr$`));
});
