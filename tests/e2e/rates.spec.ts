import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/.artifacts";

async function signIn(page: Page, identifier: string) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill("demo2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test.describe("on a desktop", () => {
  test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 });

  test("the office ranks communities by weighted satisfaction, with intervals, n and the formula", async ({ page }) => {
    await signIn(page, "admin");
    await page.getByRole("link", { name: "满意率" }).click();
    await expect(page.getByRole("heading", { name: "满意率与知晓率" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "各社区" })).toBeVisible();
    const table = page.getByTestId("rate-table");
    // The county total, then the seven demo communities ranked 1…7 by the weighted rate (a
    // community another journey imported without responses may follow, unranked).
    await expect(table.locator("tbody tr").first()).toContainText("合计");
    const ranks = (await table.locator("tbody tr td:first-child").allInnerTexts()).map((r) => r.trim());
    expect(ranks.filter((r) => /^\d+$/.test(r))).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    await expect(table.locator("tbody tr").nth(1).locator("td").first()).toHaveText("1");
    // Every figure with its 95% interval and effective n: "95.6% 91.6–97.7% 有效样本量 192".
    await expect(table.locator("tbody tr").nth(1).locator("td").nth(2)).toHaveText(/^\d+\.\d%\s*\d+\.\d–\d+\.\d%\s*有效样本量 \d+(\.\d)?$/);
    await expect(page.getByTestId("rate-formula")).toContainText("满意率 = 正向回答数 ÷ 有效回答数");
    await expect(page.getByTestId("rate-formula")).toContainText("不计入分母：不清楚、未作答、已作废的答卷");
    await page.screenshot({ path: `${SHOTS}/rates-communities-desktop.png`, fullPage: true });

    await page.getByRole("link", { name: "周通报" }).first().click();
    const bulletin = page.getByTestId("bulletin");
    await expect(bulletin.getByRole("heading", { level: 1 })).toContainText("满意率周通报");
    await expect(bulletin.locator("figure svg")).toBeVisible();
    const bulletinRanks = (await page.getByTestId("bulletin-table").locator("tbody tr td:first-child").allInnerTexts()).map((r) =>
      r.trim(),
    );
    expect(bulletinRanks.filter((r) => /^\d+$/.test(r))).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    await expect(page.getByRole("link", { name: "导出 Excel" })).toHaveAttribute("href", /^\/bulletin\/xlsx\?/);
    await page.screenshot({ path: `${SHOTS}/bulletin-desktop.png`, fullPage: true });
    await page.emulateMedia({ media: "print" });
    await expect(page.locator("form.filters")).toBeHidden();
    await page.screenshot({ path: `${SHOTS}/bulletin-print.png`, fullPage: true });
  });
});

test("community staff drill down to a building on a phone, and cannot open another community's", async ({ page, browser }) => {
  // A building outside the community, found through the JSON API as the county office sees it.
  const office = await browser.newPage();
  await signIn(office, "admin");
  const county = await (await office.request.get("/api/rates?level=building")).json();
  await office.close();

  await signIn(page, "community");
  const mine = await (await page.request.get("/api/rates?level=building")).json();
  const own = new Set(mine.units.map((u: { placeId: number }) => u.placeId));
  expect(own.size).toBeGreaterThan(0);
  expect(own.size).toBeLessThan(county.units.length);
  const elsewhere = county.units.find((u: { placeId: number }) => !own.has(u.placeId)).placeId;

  await page.goto("/rates?level=building");
  await expect(page.getByRole("heading", { name: "各楼栋" })).toBeVisible();
  const first = page.getByTestId("rate-table").locator("tbody tr").nth(1).getByRole("link");
  const name = await first.textContent();
  await first.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name!);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("楼栋");
  const satisfaction = page.getByTestId("measure-satisfaction");
  await expect(satisfaction.getByTestId("figure-summary")).toContainText("95% 区间");
  await expect(satisfaction.getByRole("heading", { name: "分题" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/rates-building-phone.png`, fullPage: true });

  const response = await page.goto(`/rates/${elsewhere}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到页面" })).toBeVisible();
});
