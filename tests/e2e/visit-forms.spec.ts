// The volunteer fills the round's questionnaire with a resident at the door, with no signal in the
// stairwell: it waits on the phone and arrives once, as a volunteer-collected response of that
// household, when the signal returns; a "reached" tap brings up the round's message and quiz.
import { mkdirSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { CHROMIUM, E2E_PORT, PHONE } from "../../playwright.config";
import { SHOTS, signIn } from "./helpers";

const BASE = `http://localhost:${E2E_PORT}`;
const ROUND = "demo-visits";

/** Answers every question shown (the first choice; text where there is a box), including those an answer reveals. */
async function answerAll(form: Locator) {
  for (let i = 0; i < (await form.locator(".question").count()); i++) {
    const question = form.locator(".question").nth(i);
    const option = question.locator(".option").first();
    if (await option.count()) await option.click();
    else await question.locator("textarea, input[type=text]").first().fill("楼道的灯坏了很久");
  }
}

/** Opens the first building and stairwell with at least `n` households not visited yet. */
async function openPendingStairwell(page: Page, n: number) {
  const buttons = page.locator(".building-button");
  await expect(buttons.first()).toBeVisible();
  for (let i = 0; i < (await buttons.count()); i++) {
    await buttons.nth(i).click();
    await expect(page.getByTestId("floors")).toBeVisible();
    const tabs = page.getByRole("tab");
    for (let s = 0; s < Math.max(1, await tabs.count()); s++) {
      if ((await tabs.count()) > 0) await tabs.nth(s).click();
      if ((await page.locator(".room.status-pending").count()) >= n) return;
    }
    await page.getByRole("button", { name: "‹ 返回我的楼栋" }).click();
  }
  throw new Error("no stairwell with pending households");
}

test("a volunteer fills the questionnaire with a resident offline; it arrives once, channel volunteer; the quiz shows on reached", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  mkdirSync(SHOTS, { recursive: true });
  const office = await browser.newPage({ baseURL: BASE });
  await signIn(office, "admin");
  const phone = await browser.newContext({ ...CHROMIUM, ...PHONE, baseURL: BASE });
  try {
    const page = await phone.newPage();
    await signIn(page, "volunteer");
    await page.goto(`/visits/${ROUND}`);
    await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();

    // No signal in the stairwell.
    await phone.setOffline(true);
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("离线");
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 0 份");
    await openPendingStairwell(page, 2);
    const rooms = page.locator(".room.status-pending");
    const room = (await rooms.first().locator("b").textContent())!;
    await rooms.first().click();
    await page.getByTestId("fill-questionnaire").click();
    const form = page.getByTestId("household-questionnaire");
    await expect(form.getByRole("heading", { name: "创建全国文明城市群众满意度入户调查问卷" })).toBeVisible();
    await expect(page.getByText(`${room} · 第二轮入户模拟调查`)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/household-questionnaire-phone.png` });
    // Saving with nothing answered names what is missing, beside the questions.
    await form.getByRole("button", { name: "保存问卷" }).click();
    await expect(form.getByRole("alert").filter({ hasText: "还有必答题没有回答" })).toBeVisible();
    await expect(form.locator(".question.invalid").first()).toContainText("此题必答");
    await answerAll(form);
    await page.screenshot({ path: `${SHOTS}/household-questionnaire-filled-phone.png`, fullPage: true });
    await form.getByRole("button", { name: "保存问卷" }).click();
    await expect(form).toHaveCount(0);
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 1 份");

    // The next household: reached, and the round's message and quiz come up.
    const next = page.locator(".room.status-pending").first();
    await next.click();
    await page.getByTestId("outcome-sheet").getByRole("button", { name: "已送达/已宣讲" }).click();
    const sheet = page.getByTestId("reached-sheet");
    await expect(sheet.getByTestId("round-message")).toContainText("如实回答、不拒访");
    const quiz = sheet.getByTestId("round-quiz");
    await expect(quiz.getByRole("heading", { name: "入户宣传小测验" })).toBeVisible();
    await expect(quiz.locator(".question")).toHaveCount(4);
    await page.screenshot({ path: `${SHOTS}/reached-quiz-phone.png` });
    await answerAll(quiz);
    await quiz.getByRole("button", { name: "保存答案" }).click();
    await expect(sheet).toHaveCount(0);
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 2 份");
    await expect(page.getByTestId("sync-state")).toContainText("待上传 1 条");

    // A reload offline keeps both waiting.
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 2 份");

    // Signal again: the log, then the questionnaire and the quiz go out, none refused.
    await phone.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 0 份", { timeout: 15_000 });
    await expect(page.getByTestId("sync-state")).toContainText("待上传 0 条");
    await expect(page.getByTestId("refused-forms")).toHaveCount(0);
    // Sent again on the next load: nothing more arrives.
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("问卷待上传 0 份");

    // The office sees exactly one response collected by the volunteer, for that household.
    await office.goto("/responses");
    const mine = office.getByTestId("response-list").locator("li").filter({ hasText: "志愿者代填（志愿者）" });
    await expect(mine).toHaveCount(1);
    await mine.getByRole("link").click();
    await expect(office.getByText("代填人")).toBeVisible();
    await expect(office.locator("main")).toContainText(room);
    await expect(office.locator("main")).toContainText("志愿者代填");
  } finally {
    await phone.close();
    await office.close();
  }
});

test("the office gives a round its questionnaire, message and quiz, and reviews volunteer-collected questionnaires", async ({
  browser,
}) => {
  const office = await browser.newPage({ ...PHONE, baseURL: BASE });
  try {
    await signIn(office, "admin");
    await office.goto("/rounds");
    const form = office.getByTestId("new-round");
    await form.getByLabel("名称").fill("锦湖问卷走访");
    await form.getByLabel(/^代码/).fill("jinhu-forms");
    await form.getByRole("checkbox", { name: /^锦湖社区/ }).check();
    await form.getByLabel(/^入户问卷/).selectOption({ label: "第二轮入户模拟调查（demo）" });
    await form.getByLabel(/小测验/).selectOption({ label: "入户宣传小测验（v1）" });
    await form.getByLabel(/宣讲的内容/).fill("请住户关注社区微信群。");
    await form.getByLabel(/^入户问卷/).scrollIntoViewIfNeeded();
    await office.screenshot({ path: `${SHOTS}/round-forms-phone.png` });
    await form.getByRole("button", { name: "创建并去分配楼栋" }).click();
    await expect(office).toHaveURL(/\/rounds\/jinhu-forms$/);

    await office.goto(`/coverage/review?round=${ROUND}`);
    const review = office.getByTestId("response-review");
    await expect(review.getByRole("heading", { name: "志愿者代填问卷复核" })).toBeVisible();
    await expect(review).toContainText("平均每道已答题不到 5 秒");
    await expect(review.getByTestId("response-signal-counts")).toContainText("用时过短");
    await review.scrollIntoViewIfNeeded();
    await office.screenshot({ path: `${SHOTS}/response-review-phone.png` });
  } finally {
    await office.close();
  }
});
