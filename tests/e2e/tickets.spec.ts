// The hotline agent imports a ticket export on a phone: mapping recognised, one bad row named,
// the good rows stored, the list shows numbers masked; an admin creates an API token once.
import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { clusterSql, SHOTS, signIn } from "./helpers";

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

  // A community's page shows the tickets linked to it, with the rates beside their intervals.
  await page.goto("/places");
  await page
    .getByTestId("place-list")
    .getByRole("link", { name: /禾城街道/ })
    .click();
  await page
    .getByTestId("place-list")
    .getByRole("link", { name: /锦湖社区/ })
    .click();
  const tickets = page.getByTestId("place-tickets");
  await expect(tickets.getByRole("heading")).toContainText(/12345 工单：[\d,]+ 条/);
  await expect(tickets.locator('[data-rate="completed"]')).toContainText(/办结率\s*\d+\.\d%/);
  await expect(tickets.locator('[data-rate="satisfactionAfter"]')).toContainText("回访后满意率");
  await tickets.screenshot({ path: `${SHOTS}/place-tickets-phone.png` });
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

test("a saved column mapping is offered for the next file; an import a restart left behind is stored again, or cancelled", async ({
  page,
}) => {
  await signIn(page, "hotline");
  const upload = async (name: string, csv: string) => {
    await page.goto("/tickets/import");
    await page.getByLabel("工单文件").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "上传并识别列名" }).click();
    await expect(page.getByRole("heading", { name: "列对应" })).toBeVisible();
  };
  // A platform whose headers are not recognised: mapped by hand once, saved under a name.
  const odd = ["单号,来电日期,结案日期,部门", "ODD-001,2026-11-10 09:00,2026-11-11 09:00,县住建局"].join("\n");
  await upload("odd-1.csv", odd);
  await expect(page.locator(`select[name="column.number"]`)).toHaveValue("");
  await page.locator(`select[name="column.number"]`).selectOption("单号");
  await page.locator(`select[name="column.receivedAt"]`).selectOption("来电日期");
  await page.locator(`select[name="column.completedAt"]`).selectOption("结案日期");
  await page.locator(`select[name="column.department"]`).selectOption("部门");
  await page.getByLabel("把这个列对应保存为（可选）").fill("某平台导出");
  await page.getByRole("button", { name: "开始检查" }).click();
  await expect(page.getByRole("heading", { name: "检查完成" })).toBeVisible({ timeout: 20_000 });
  await page.getByRole("button", { name: "导入 1 条工单" }).click();
  await expect(page.getByText("导入完成。")).toBeVisible({ timeout: 20_000 });

  // The next file of that platform: the saved mapping fills every column.
  await upload("odd-2.csv", odd.replace("ODD-001", "ODD-002"));
  await page.getByLabel("已保存的列对应").selectOption("某平台导出");
  await page.getByRole("button", { name: "套用" }).click();
  await expect(page.locator(`select[name="column.number"]`)).toHaveValue("单号");
  await expect(page.locator(`select[name="column.receivedAt"]`)).toHaveValue("来电日期");
  await expect(page.locator(`select[name="column.completedAt"]`)).toHaveValue("结案日期");
  await expect(page.locator(`select[name="column.department"]`)).toHaveValue("部门");
  await page.getByRole("button", { name: "开始检查" }).click();
  await expect(page.getByRole("heading", { name: "检查完成" })).toBeVisible({ timeout: 20_000 });

  // The server restarts while storing it: the import stays "storing" with nobody working on it.
  const leaveStoring = async () => {
    const id = Number(/\/tickets\/import\/(\d+)/.exec(page.url())![1]);
    const db = clusterSql();
    try {
      await db`update ticket_imports set state = 'storing' where id = ${id}`;
    } finally {
      await db.end();
    }
    await page.reload();
  };
  await leaveStoring();
  const stuck = page.getByTestId("import-stuck");
  await expect(stuck).toContainText("这次导入在写入时中断了");
  await expect(stuck).toContainText("检查过的行都还在");
  await page.screenshot({ path: `${SHOTS}/tickets-import-stuck-phone.png`, fullPage: true });
  await page.goto("/tickets/import");
  await expect(page.locator("tbody tr").filter({ hasText: "odd-2.csv" })).toContainText("已中断");
  await page.goBack();
  // Its checked rows are still there: stored again without uploading or checking again.
  await stuck.getByRole("button", { name: "重新入库" }).click();
  await page.getByRole("button", { name: "导入 1 条工单" }).click();
  await expect(page.getByText("导入完成。")).toBeVisible({ timeout: 20_000 });

  // Another one left behind the same way is cancelled instead.
  await upload("odd-3.csv", odd.replace("ODD-001", "ODD-003"));
  await page.getByLabel("已保存的列对应").selectOption("某平台导出");
  await page.getByRole("button", { name: "套用" }).click();
  await page.getByRole("button", { name: "开始检查" }).click();
  await expect(page.getByRole("heading", { name: "检查完成" })).toBeVisible({ timeout: 20_000 });
  await leaveStoring();
  await stuck.getByRole("button", { name: "取消导入" }).click();
  await expect(page.getByText("已取消，没有导入任何工单。")).toBeVisible();
  const check = clusterSql();
  try {
    const numbers = await check<{ ticket_no: string }[]>`select ticket_no from tickets where ticket_no like 'ODD-%' order by 1`;
    expect(numbers.map((n) => n.ticket_no)).toEqual(["ODD-001", "ODD-002"]);
  } finally {
    await check.end();
  }
});
