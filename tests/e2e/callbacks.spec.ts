// A hotline agent's callback, end to end: claim a ticket of the evaluation sample, see the number
// only after revealing it (the reveal is in the audit log), record a failed attempt and then a
// reached, unsatisfied call; the follow-up appears, is reported done, a second callback is due and
// recorded, and the department's satisfaction after callbacks moves by exactly that ticket.
import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { E2E_PORT, PHONE } from "../../playwright.config";
import { SHOTS, signIn } from "./helpers";

const BASE = `http://localhost:${E2E_PORT}`;
const DESKTOP = { viewport: { width: 1280, height: 900 }, locale: "zh-CN", baseURL: BASE };
type Cell = { successes: number; n: number };

async function afterOf(page: Page, department: string): Promise<Cell> {
  const response = await page.request.get("/api/ticket-rates?by=department");
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { units: { name: string; satisfactionAfter: Cell }[] };
  return body.units.find((u) => u.name === department)!.satisfactionAfter;
}

async function record(page: Page, answers: string[], notes?: string) {
  const script = page.locator(".callback-script");
  for (const answer of answers) await script.getByText(answer, { exact: true }).click();
  if (notes) await script.locator("textarea").fill(notes);
  await script.getByRole("button", { name: "记录这次回访" }).click();
  await expect(page.getByRole("status")).toContainText("已记录这次回访");
}

test("an agent calls back a sampled ticket, the department follows up, the second callback moves satisfaction-after", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  mkdirSync(`${SHOTS}/callbacks`, { recursive: true });
  const page = await browser.newPage(DESKTOP);
  await signIn(page, "hotline");
  // An agent starts at the workbench.
  await expect(page).toHaveURL(/\/hotline$/);
  const queue = page.getByTestId("callback-queue");
  await expect(queue).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/callbacks/workbench.png`, fullPage: false });
  // A sampled ticket on its first callback, not yet tried.
  const first = queue
    .locator("tbody tr", { hasText: "测评样本" })
    .filter({ hasNotText: "二次回访" })
    .filter({ hasNotText: "次未接通" })
    .first();
  const department = (await first.locator("td").nth(3).innerText()).trim();
  await first.getByRole("link").click();
  await expect(page).toHaveURL(/\/hotline\/tickets\/\d+$/);
  // The URL changes a moment before the ticket's page replaces the workbench's heading.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^工单 /);
  const ticketNo = (await page.getByRole("heading", { level: 1 }).innerText()).replace(/^工单\s*/, "").split(/\s/)[0];
  const before = await afterOf(page, department);
  const originalText = await page.getByTestId("ratings").locator("tbody tr").first().locator("td").nth(3).innerText();

  await expect(page.getByTestId("phone")).toHaveText(/^\d{3}\*+\d{4}$/);
  await page.getByRole("button", { name: "领取并回访" }).click();
  await expect(page.getByText(/你已领取/)).toBeVisible();
  await expect(page.getByTestId("phone")).toHaveText(/^\d{3}\*+\d{4}$/);
  await page.getByRole("button", { name: "显示完整号码" }).click();
  await expect(page.getByTestId("phone")).toContainText(/1\d{10}/);

  await record(page, ["无人接听"]);
  await expect(page.getByTestId("callback-state")).toHaveText("待回访（第 1 轮）");
  await record(page, ["接通", "不满意", "未解决"], "路面仍未修复");
  await expect(page.getByTestId("callback-state")).toHaveText("等待承办单位跟进");
  await expect(page.getByRole("status")).toContainText("已为承办单位生成跟进任务");
  const ratings = page.getByTestId("ratings").locator("tbody tr");
  await expect(ratings).toHaveCount(3);
  await expect(ratings.nth(0)).toContainText(originalText);
  await expect(ratings.nth(1)).toContainText("无人接听");
  await expect(ratings.nth(2)).toContainText("不满意");
  const middle = await afterOf(page, department);
  const wasSatisfied = /^(满意|基本满意)$/.test(originalText.trim());
  const wasRated = originalText.trim() !== "未评价";
  expect([middle.successes, middle.n]).toEqual([before.successes - (wasSatisfied ? 1 : 0), before.n + (wasRated ? 0 : 1)]);

  await page.goto("/hotline/followups");
  const task = page.getByTestId("followups").locator("tbody tr", { hasText: ticketNo });
  await expect(task).toContainText("路面仍未修复");
  await task.getByLabel("办理情况").fill("已重新修补路面");
  await task.getByRole("button", { name: "报办结" }).click();
  await expect(page.getByRole("status")).toContainText("已报办结");

  await page.goto("/hotline");
  await expect(page.getByTestId("callback-queue").locator("tbody tr", { hasText: ticketNo })).toContainText("二次回访");
  await page.getByRole("link", { name: ticketNo }).click();
  await expect(page.getByTestId("callback-state")).toHaveText("待回访（第 2 轮）");
  await page.getByRole("button", { name: "领取并回访" }).click();
  await record(page, ["接通", "满意", "已解决"]);
  await expect(page.getByTestId("callback-state")).toHaveText("回访完成");
  await expect(page.getByTestId("ratings").locator("tbody tr")).toHaveCount(4);
  await expect(page.getByTestId("ratings").locator("tbody tr").nth(3)).toContainText("二次回访");
  const after = await afterOf(page, department);
  expect([after.successes, after.n]).toEqual([middle.successes + 1, middle.n]);

  // The reveal is in the audit log, with the ticket number.
  const admin = await browser.newPage(DESKTOP);
  await signIn(admin, "admin");
  await admin.goto("/admin/audit");
  await expect(admin.locator("body")).toContainText("tickets.revealPhone");
  await expect(admin.locator("tr", { hasText: "tickets.revealPhone" }).first()).toContainText(ticketNo);

  await page.goto("/hotline/sample");
  await expect(page.getByTestId("sample-swing")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/callbacks/sample.png`, fullPage: true });
  await admin.goto("/bulletin");
  await admin.getByTestId("department-ranking").scrollIntoViewIfNeeded();
  await admin.getByTestId("department-ranking").screenshot({ path: `${SHOTS}/callbacks/ranking.png` });
  const phone = await browser.newPage({ ...PHONE, baseURL: BASE });
  await signIn(phone, "hotline");
  await phone.goto("/hotline");
  await expect(phone.getByTestId("callback-queue")).toBeVisible();
  await phone.screenshot({ path: `${SHOTS}/callbacks/workbench-360.png` });
});
