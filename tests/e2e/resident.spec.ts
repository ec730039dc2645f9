import { expect, test, type Page } from "@playwright/test";
import ExcelJS from "exceljs";
import { cli, SHOTS, signIn } from "./helpers";

type Link = { street: string; community: string; compound: string; building: string | null; level: string; code: string; url: string; qrUrl: string };

function demoBuildingLink(index: number): Link {
  const links = JSON.parse(cli("links", "--campaign", "demo", "--format", "json")) as Link[];
  return links.filter((l) => l.level === "building")[index];
}

async function choose(page: Page, question: RegExp, answer: string) {
  await page.getByRole("group", { name: question }).getByText(answer, { exact: true }).click();
}

/** The office's XLSX export of the demo campaign, one object per row keyed by the Chinese headers. */
async function exportedRows(office: Page): Promise<Record<string, unknown>[]> {
  await office.goto("/responses");
  await office.getByLabel("调查批次").selectOption({ label: "第二轮入户模拟调查" });
  await office.getByRole("button", { name: "筛选" }).click();
  await office.waitForURL(/[?&]campaign=\d+/);
  const exportLink = office.getByRole("link", { name: "导出 Excel" });
  await expect(exportLink).toHaveAttribute("href", /[?&]campaign=\d+/);
  const [download] = await Promise.all([office.waitForEvent("download"), exportLink.click()]);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(await download.path());
  const sheet = workbook.worksheets[0];
  const headers = (sheet.getRow(1).values as unknown[]).map((v) => (v == null ? "" : String(v)));
  expect(headers).toEqual(expect.arrayContaining(["编号", "提交时间", "渠道", "楼栋", "您是否知道本县正在创建全国文明城市？"]));
  const rows: Record<string, unknown>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const values = row.values as unknown[];
    rows.push(Object.fromEntries(headers.map((h, i) => [h, values[i] ?? undefined]).filter(([h]) => h)));
  });
  return rows;
}

test("a resident answers on a phone, survives a lost connection and a reload, and a double tap stores one response", async ({ page, context, browser }) => {
  const link = demoBuildingLink(3);
  const officeContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await officeContext.newPage();
  await signIn(office, "admin");
  const before = await exportedRows(office);

  await page.goto(`/s/${link.code}?src=qr`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("文明城市");
  await expect(page.getByText(`${link.compound} ${link.building}`)).toBeVisible();

  // A follow-up question appears only when it applies.
  await expect(page.getByRole("group", { name: /渠道/ })).toHaveCount(0);
  await choose(page, /是否知道/, "知道");
  await expect(page.getByRole("group", { name: /渠道/ })).toBeVisible();
  await choose(page, /是否支持/, "支持");
  await page.screenshot({ path: `${SHOTS}/resident-phone.png`, fullPage: false });

  // The connection drops mid-way: answering goes on, submitting says so, nothing is lost.
  await context.setOffline(true);
  await choose(page, /志愿服务/, "参加过");
  await context.setOffline(false);
  await page.reload();
  await expect(page.getByRole("group", { name: /是否知道/ }).getByRole("radio", { name: "知道", exact: true })).toBeChecked();
  await expect(page.getByRole("group", { name: /是否支持/ }).getByRole("radio", { name: "支持", exact: true })).toBeChecked();
  await expect(page.getByRole("group", { name: /志愿服务/ }).getByRole("radio", { name: "参加过", exact: true })).toBeChecked();

  // Submitting with required questions open points at them.
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expect(page.getByText("还有必答题没有回答")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/resident-error-phone.png`, fullPage: false });

  for (const group of await page.getByRole("group").all()) {
    const name = (await group.getAttribute("aria-describedby")) ?? "";
    if (!name && !(await group.locator(".required").count())) continue;
    if (await group.getByRole("radio", { checked: true }).count()) continue;
    await group.getByRole("radio").first().click();
  }

  await context.setOffline(true);
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByText("网络不好，没有提交成功")).toBeVisible();
  await context.setOffline(false);

  // A double tap: both requests carry the same key.
  const submits: number[] = [];
  page.on("response", (r) => r.url().endsWith("/submit") && submits.push(r.status()));
  await page.getByRole("button", { name: "提交" }).dblclick();
  await expect(page.getByTestId("resident-done")).toBeVisible();
  await expect(page.getByRole("heading", { name: "提交成功" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/resident-done-phone.png`, fullPage: false });
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("wm:s:")).length)).toBe(0);
  expect(submits.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);

  // The office sees exactly one new response, under that building, on the campaign's version.
  const after = await exportedRows(office);
  const added = after.filter((r) => !before.some((b) => b["编号"] === r["编号"]));
  expect(added).toHaveLength(1);
  expect(added[0]).toMatchObject({ 小区: link.compound, 楼栋: link.building, 渠道: "扫码" });
  expect(added[0]["您是否知道本县正在创建全国文明城市？"]).toBe("知道");
  expect(String(added[0]["版本"])).toContain("1");
  await office.goto(`/responses/${added[0]["编号"]}`);
  await expect(office.getByText("（第 1 版）")).toBeVisible();
  await expect(office.getByText(`${link.compound} ${link.building}`).first()).toBeVisible();
});

test("residents get clear pages for an unknown code and a repeat on the same phone", async ({ page }) => {
  const missing = await page.goto("/s/NoSuchCode1");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "链接无效" })).toBeVisible();

  const link = demoBuildingLink(4);
  await page.goto(`/s/${link.code}`);
  for (const group of await page.getByRole("group").all()) {
    if (!(await group.locator(".required").count())) continue;
    await group.getByRole("radio").first().click();
  }
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByTestId("resident-done")).toBeVisible();
  // The demo campaign takes one response per phone.
  const again = await page.goto(`/s/${link.code}`);
  expect(again?.status()).toBe(409);
  await expect(page.getByRole("heading", { name: "您已经提交过了" })).toBeVisible();
});
