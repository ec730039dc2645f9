// The hotline agent imports a ticket export on a phone: mapping recognised, one bad row named,
// the good rows stored, the list shows numbers masked; an admin creates an API token once.
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { SHOTS, signIn } from "./helpers";

const CSV = [
  "工单编号,受理时间,办结时间,办理时限,承办单位,诉求类型,诉求内容,来电号码,来电人,所属街道,所属社区,满意度",
  "E2E-001,2026-11-02 09:00,2026-11-03 10:00,2026-11-05 09:00,县住建局,测试类别,电梯故障,13812345678,张先生,禾城街道,锦湖社区,不满意",
  "E2E-002,2026/11/2 10:30,,2026/11/9 10:30,县城管局,测试类别,垃圾未清运,0571-87654321,李女士,禾城街道,,",
  "E2E-003,2026-13-02 09:00,,,县城管局,测试类别,噪音,,王先生,,,",
].join("\n");

test("an agent imports tickets: a bad row is named, the good rows stored, numbers masked in the list", async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  await signIn(page, "hotline");
  await page.goto("/tickets/import");
  await page.getByLabel("工单文件").setInputFiles({ name: "12345导出.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
  await page.getByRole("button", { name: "上传并识别列名" }).click();
  await expect(page.getByRole("heading", { name: "列对应" })).toBeVisible();
  await expect(page.locator(`select[name="column.number"]`)).toHaveValue("工单编号");
  await expect(page.locator(`select[name="column.phone"]`)).toHaveValue("来电号码");
  await page.screenshot({ path: `${SHOTS}/tickets-mapping-phone.png`, fullPage: true });
  await page.getByRole("button", { name: "开始检查" }).click();
  await expect(page.getByRole("heading", { name: "检查完成" })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("import-issues")).toContainText("第 4 行「受理时间」：不是可识别的日期时间");
  await page.screenshot({ path: `${SHOTS}/tickets-checked-phone.png`, fullPage: true });
  await page.getByRole("button", { name: "只导入 2 条正确的行" }).click();
  await expect(page.getByText("导入完成。")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("count-inserted")).toContainText("2");
  await expect(page.getByTestId("count-rejected")).toContainText("1");
  await page.screenshot({ path: `${SHOTS}/tickets-done-phone.png`, fullPage: true });
  await page.getByRole("link", { name: "查看工单列表" }).click();
  // The demo county has its own tickets: this file's share one category of their own.
  await page.getByLabel("诉求类型").selectOption("测试类别");
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page.getByTestId("ticket-total")).toHaveText("共 2 条工单");
  const list = page.getByTestId("ticket-list");
  await expect(list).toContainText("138****5678");
  await expect(list).toContainText("057*****4321");
  await expect(page.locator("body")).not.toContainText("13812345678");
  await page.getByLabel("是否办结").selectOption("no");
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page.getByTestId("ticket-total")).toHaveText("共 1 条工单");
  await expect(list).toContainText("E2E-002");
  await page.screenshot({ path: `${SHOTS}/tickets-list-phone.png`, fullPage: true });
});

test("an admin creates an API token, sees it once, and revokes it", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/admin/tokens");
  await page.getByLabel("名称").fill("市12345平台");
  await page.getByRole("button", { name: "创建令牌" }).click();
  const token = await page.getByTestId("new-token").textContent();
  expect(token).toMatch(/^wmt_/);
  await page.screenshot({ path: `${SHOTS}/tokens-phone.png`, fullPage: true });
  await page.goto("/admin/tokens");
  await expect(page.locator("body")).not.toContainText(token!);
  // Other journeys may have tokens of their own: this one's row.
  const row = page.getByTestId("tokens").locator("tr", { hasText: "市12345平台" });
  await row.getByRole("button", { name: "吊销" }).click();
  await expect(row).toContainText("已于");
});
