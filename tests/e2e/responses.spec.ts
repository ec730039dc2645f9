import ExcelJS from "exceljs";
import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/.artifacts";
const CAMPAIGN = "第二轮入户模拟调查";
const AWARE = "您是否知道本县正在创建全国文明城市？";

async function signedIn(page: Page, identifier: string) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill("demo2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test("admin filters responses, opens one, and downloads the XLSX export with Chinese headers", async ({ page }) => {
  await signedIn(page, "admin");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "答卷" }).click();
  await expect(page.getByRole("heading", { name: "答卷", level: 1 })).toBeVisible();

  await page.getByLabel("调查批次").selectOption({ label: CAMPAIGN });
  const area = page.getByLabel("区域");
  await area.selectOption((await area.locator("option", { hasText: "锦湖社区" }).getAttribute("value"))!);
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page).toHaveURL(/campaign=\d+.*place=\d+/);
  const rows = page.getByTestId("response-list").getByRole("link");
  // The filtered list has arrived when every row is in the community and the campaign.
  await expect(rows.filter({ hasNotText: "锦湖社区" })).toHaveCount(0);
  await expect(rows.filter({ hasNotText: CAMPAIGN })).toHaveCount(0);
  const valid = Number((await page.getByTestId("response-counts").locator(".stat b").first().innerText()).replace(/,/g, ""));
  expect(valid).toBeGreaterThan(0);
  await expect(rows.first()).toContainText("锦湖社区");
  // What the phone shows first; the full list is 50 rows long.
  await page.screenshot({ path: `${SHOTS}/responses-list-phone.png` });
  await rows.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/responses-list-rows-phone.png` });

  await rows.first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(/答卷 #\d+/);
  const answers = page.getByTestId("response-answers");
  await expect(answers).toContainText(AWARE);
  await expect(answers.locator(".answer-a").first()).toHaveText(/知道|不知道/);
  await expect(page.getByText(CAMPAIGN)).toBeVisible();
  await expect(page.getByRole("heading", { name: "作废此答卷" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/response-detail-phone.png`, fullPage: true });

  await page.goBack();
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "导出 Excel" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^答卷_${CAMPAIGN}_\\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(await download.path());
  const sheet = workbook.worksheets[0];
  const headers = (sheet.getRow(1).values as unknown[]).slice(1);
  expect(headers).toEqual(expect.arrayContaining(["提交时间", "街道", "社区", "小区", "楼栋", "渠道", "用时(秒)", "状态", AWARE]));
  // Exactly the filtered responses, all in the chosen community, answers as text.
  expect(sheet.rowCount - 1).toBe(valid);
  const community = headers.indexOf("社区") + 1;
  const aware = headers.indexOf(AWARE) + 1;
  for (let r = 2; r <= sheet.rowCount; r++) {
    expect(sheet.getRow(r).getCell(community).value).toBe("锦湖社区");
    expect(["知道", "不知道"]).toContain(sheet.getRow(r).getCell(aware).value);
  }
});

test("admin imports typed-in paper questionnaires after choosing the place and an option", async ({ page }) => {
  await signedIn(page, "admin");
  await page.goto("/responses/import");
  await page.getByLabel("导入到调查批次").selectOption({ label: CAMPAIGN });
  const csv = `${AWARE},您对本县创建全国文明城市工作的总体满意度如何？\r\n知道,满意\r\n不知道,很满意啦\r\n`;
  await page.getByLabel("答卷文件").setInputFiles({ name: "纸质问卷.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "上传" }).click();

  await expect(page.getByText("对应关系：纸质问卷.csv")).toBeVisible();
  const problems = page.getByRole("alert");
  await expect(problems).toContainText("很满意啦");
  await expect(problems).toContainText("请选择这些答卷所属的小区或楼栋");
  await page.getByLabel("全部答卷都属于同一个小区或楼栋：").check();
  await page.getByLabel("请选择小区或楼栋", { exact: true }).selectOption({ index: 1 });
  await page.getByLabel("您对本县创建全国文明城市工作的总体满意度如何？ 很满意啦").selectOption({ label: "满意" });
  await page.getByRole("button", { name: "按以上设置更新预览" }).click();

  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByTestId("import-counts")).toContainText("共 2 行");
  // Line 3's 很满意啦 is stored as the option chosen for it.
  await expect(page.getByTestId("import-preview").getByRole("listitem").nth(1)).toContainText("第 3 行");
  await expect(page.getByTestId("import-preview").getByRole("listitem").nth(1)).toContainText("总体满意度如何？：满意");
  await page.screenshot({ path: `${SHOTS}/responses-import-phone.png`, fullPage: true });

  await page.getByRole("button", { name: "确认导入" }).click();
  await expect(page.getByTestId("import-done")).toContainText("导入完成：新增 2 份答卷。");
  await page.getByRole("link", { name: "查看这些答卷" }).click();
  await page.getByText("筛选（已选 1 项）").click();
  await page.getByLabel("状态").selectOption({ label: "部分（有必答题未答）" });
  await page.getByRole("button", { name: "筛选" }).click();
  const imported = page.getByTestId("response-list").getByRole("link");
  await expect(imported).toHaveCount(2);
  await expect(imported.first()).toContainText("导入");
  const listUrl = page.url();

  // Void both again, which also leaves the demo campaign's numbers as they were for other journeys.
  for (let i = 0; i < 2; i++) {
    await imported.first().click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("导入");
    await page.getByRole("button", { name: "作废" }).click();
    // The reason is required: the browser keeps the form until one is given.
    await expect(page.getByTestId("void-note")).toHaveCount(0);
    await page.getByLabel("作废原因").fill("演示导入，录入有误");
    await page.getByRole("button", { name: "作废" }).click();
    await expect(page.getByTestId("confirm-step")).toContainText("作废后不能撤销");
    await expect(page.getByTestId("void-note")).toHaveCount(0);
    await page.getByRole("button", { name: "确认作废" }).click();
    await expect(page.getByRole("status")).toHaveText("答卷已作废。");
    await expect(page.getByTestId("void-note")).toContainText("由 县文明办管理员 作废");
    await expect(page.getByTestId("void-note")).toContainText("原因：演示导入，录入有误");
    await expect(page.getByRole("button", { name: "作废" })).toHaveCount(0);
    if (i === 1) await page.screenshot({ path: `${SHOTS}/response-voided-phone.png`, fullPage: true });
    await page.goto(listUrl);
  }
  await expect(page.getByText("没有符合条件的答卷。")).toBeVisible();
});
