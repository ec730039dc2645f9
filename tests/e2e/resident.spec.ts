import { expect, test, type Page } from "@playwright/test";
import ExcelJS from "exceljs";
import { cli, SHOTS, signIn } from "./helpers";

type Link = {
  street: string;
  community: string;
  compound: string;
  building: string | null;
  level: string;
  code: string;
  url: string;
  qrUrl: string;
};

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

test("a resident answers on a phone, survives a lost connection and a reload, and a double tap stores one response", async ({
  page,
  context,
  browser,
}) => {
  const link = demoBuildingLink(3);
  const officeContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await officeContext.newPage();
  await signIn(office, "admin");
  const before = await exportedRows(office);

  const opened = (await page.goto(`/s/${link.code}?src=qr`))!;
  await expect(page.getByRole("heading", { level: 1 })).toContainText("文明城市");
  await expect(page.getByText(`${link.compound} ${link.building}`)).toBeVisible();
  // Served by server.ts itself (docs/decisions/006): never cached, and every inline script
  // carries the nonce the response's CSP allows (else none would run, and nothing below would work).
  const headers = await opened.allHeaders();
  expect(headers["cache-control"]).toBe("no-store");
  const nonce = /'nonce-([^']+)'/.exec(headers["content-security-policy"])![1];
  const inline = await page.locator("script:not([src])").evaluateAll((scripts) => scripts.map((s) => (s as HTMLScriptElement).nonce));
  expect(inline.length).toBeGreaterThanOrEqual(3);
  for (const n of inline) expect(n).toBe(nonce);

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
  await expect(page.getByText("网络不好，没有提交成功")).toBeInViewport();
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

const REQUIRED = "此题必答，请回答。";
const SHOTS_RESIDENT = "/tmp/shots-resident";

/** Answers every required question that is still open with its first choice. */
async function answerRequired(page: Page) {
  for (const group of await page.locator("fieldset.question").all()) {
    if (!(await group.locator(".required").count())) continue;
    if (await group.getByRole("radio", { checked: true }).count()) continue;
    await group.getByRole("radio").first().click();
  }
}

/** A one-per-household campaign over the first compound, created and (optionally) opened by the office. */
async function householdCampaign(office: Page) {
  await office.goto("/campaigns/new");
  const code = `hh-${Date.now().toString(36)}`;
  await office.getByLabel("名称").fill("入户调查码测试");
  await office.getByLabel("批次代码").fill(code);
  await office.getByLabel(/一户一份/).check();
  await office.locator(".target-community").first().locator(".target-compounds > li").first().locator("input[name=target]").first().check();
  await office.getByRole("button", { name: "创建调查批次" }).click();
  await expect(office.getByRole("heading", { level: 1 })).toContainText("入户调查码测试");
  const row = office
    .getByTestId("campaign-links")
    .locator("tbody tr")
    .filter({ has: office.getByRole("link", { name: "户码条" }) })
    .first();
  const link = (await row.locator(".campaign-code").innerText()).trim();
  const slips = (await row.getByRole("link", { name: "户码条" }).getAttribute("href"))!;
  return { link, slips, detail: office.url() };
}

test("household-code errors stand beside the code field, in view, with and without JavaScript; a campaign not opened says so", async ({
  page,
  browser,
}) => {
  const officeContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await officeContext.newPage();
  await signIn(office, "admin");
  const { link, slips, detail } = await householdCampaign(office);

  // Created, its opening time (this hour) passed, not opened by the office: no start time in the past.
  await page.goto(`/s/${link}`);
  await expect(page.getByRole("heading", { name: "调查还没有开始" })).toBeVisible();
  await expect(page.getByTestId("resident-notice")).toContainText("组织方还没有开放这次调查");
  await expect(page.getByTestId("resident-notice")).not.toContainText("开始，请到时");

  await office.goto(detail);
  await office.getByRole("button", { name: "开放" }).click();
  await expect(office.getByTestId("availability")).toHaveText("正在接受填写");
  await office.goto(slips);
  const codes = await office.getByTestId("slip").locator(".slip-code b").allInnerTexts();
  expect(codes.length).toBeGreaterThan(1);

  // With JavaScript: a wrong code, submitted from the bottom of the page.
  await page.goto(`/s/${link}`);
  await expect(page.locator("form[data-ready]")).toBeAttached();
  await answerRequired(page);
  await page.getByLabel("入户调查码").fill("ZZZZ2222");
  await page.getByRole("button", { name: "提交" }).click();
  const codeError = page.locator("#q-__household").getByRole("alert");
  await expect(codeError).toHaveText("入户调查码不对，请核对小纸条上的 8 位码。");
  await expect(codeError).toBeInViewport();
  await expect(page.getByLabel("入户调查码")).toBeInViewport();
  await page.screenshot({ path: `${SHOTS_RESIDENT}/household-code-error-js.png` });

  // No code at all: said beside the field, before anything is sent.
  await page.getByLabel("入户调查码").fill("");
  await page.getByRole("button", { name: "提交" }).scrollIntoViewIfNeeded();
  await page.getByRole("button", { name: "提交" }).click();
  await expect(codeError).toHaveText("请填写入户调查码。");
  await expect(codeError).toBeInViewport();

  await page.getByLabel("入户调查码").fill(codes[0]);
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByTestId("resident-done")).toBeVisible();

  // Without JavaScript, on another phone: the used code comes back beside the field at the top,
  // and every answer given is still there.
  const plain = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
  });
  const phone = await plain.newPage();
  await phone.goto(`/s/${link}`);
  await answerRequired(phone);
  await phone.getByLabel("入户调查码").fill(codes[0]);
  await phone.getByRole("button", { name: "提交" }).click();
  const usedError = phone.locator("#q-__household").getByRole("alert");
  await expect(usedError).toHaveText("这个入户调查码已经用过了，每户只能提交一次。");
  await expect(usedError).toBeInViewport();
  await expect(phone.getByLabel("入户调查码")).toHaveValue(codes[0]);
  await expect(
    phone
      .getByRole("group", { name: /是否知道/ })
      .getByRole("radio")
      .first(),
  ).toBeChecked();
  await expect(
    phone
      .getByRole("group", { name: /是否支持/ })
      .getByRole("radio")
      .first(),
  ).toBeChecked();
  await phone.screenshot({ path: `${SHOTS_RESIDENT}/household-code-error-nojs.png` });
  // The right code now goes through.
  await phone.getByLabel("入户调查码").fill(codes[1]);
  await phone.getByRole("button", { name: "提交" }).click();
  await expect(phone.getByTestId("resident-done")).toBeVisible();
  await plain.close();
  await officeContext.close();
});

test("the questionnaire shows its sections, counts long answers and refuses too long ones beside the question", async ({ page }) => {
  const link = demoBuildingLink(5);
  // The page's browser code has only the common and resident messages (app/i18n/core.ts): a text it
  // lacked would differ from the server's and break hydration, which React reports as a page error.
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`/s/${link.code}`);
  await expect(page.locator("form[data-ready]")).toBeAttached();
  // The pages of the questionnaire are sections with their titles, as in the office preview.
  for (const title of ["知晓情况", "支持与参与", "满意度（一）", "满意度（二）", "基本情况和建议"]) {
    await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
  }
  await page.getByRole("heading", { level: 2, name: "满意度（一）" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS_RESIDENT}/sections.png` });

  // Required questions open: the one text, the same as without JavaScript (next test).
  await page.getByRole("button", { name: "提交" }).click();
  const firstError = page.locator(".question.invalid .qerror").first();
  await expect(firstError).toHaveText(REQUIRED);
  await expect(firstError).toBeInViewport();

  await answerRequired(page);
  const advice = page.getByRole("group", { name: /意见和建议/ });
  const box = advice.getByRole("textbox");
  await expect(advice.getByText("0 / 500 字")).toBeVisible();
  await box.fill("路灯".repeat(250) + "还有");
  await expect(box).toHaveValue("路灯".repeat(250) + "还有"); // not cut off at 500
  await expect(advice.getByText("502 / 500 字")).toBeVisible();
  await page.getByRole("button", { name: "提交" }).click();
  const tooLong = advice.getByRole("alert");
  await expect(tooLong).toHaveText("最多 500 字，现在 502 字，请删去 2 字。");
  await expect(tooLong).toBeInViewport();
  await page.screenshot({ path: `${SHOTS_RESIDENT}/long-answer-error-js.png` });
  await box.fill("路灯".repeat(250));
  await expect(advice.getByText("500 / 500 字")).toBeVisible();
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByTestId("resident-done")).toBeVisible();
  await expect(page.locator("body")).not.toContainText(/\b(resident|surveyDef|common|nav|error)\.[a-zA-Z]/);
  expect(pageErrors).toEqual([]);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("required questions read the same as with JavaScript, and a 20,000-character answer comes back with every answer and an error", async ({
    page,
  }) => {
    const link = demoBuildingLink(6);
    await page.goto(`/s/${link.code}`);
    await page.getByRole("button", { name: "提交" }).click();
    // The page opens at its top: what to change is said there, and beside each question.
    await expect(page.getByTestId("error-summary")).toBeInViewport();
    const errors = page.locator(".question.invalid .qerror");
    expect(await errors.count()).toBeGreaterThan(3);
    for (const text of await errors.allInnerTexts()) expect(text).toBe(REQUIRED);

    await answerRequired(page);
    const advice = page.getByRole("group", { name: /意见和建议/ });
    const long = "小区".repeat(10_000);
    await advice.getByRole("textbox").fill(long);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "提交" }).click(),
    ]);
    expect(response.status()).not.toBe(413);
    await expect(advice.getByRole("alert")).toHaveText("最多 500 字，现在 20000 字，请删去 19500 字。");
    await expect(advice.getByRole("textbox")).toHaveValue(long);
    await expect(
      page
        .getByRole("group", { name: /是否知道/ })
        .getByRole("radio")
        .first(),
    ).toBeChecked();
    await expect(page.getByTestId("error-summary").getByRole("link")).toHaveAttribute("href", "#q-suggestion");
    await page.screenshot({ path: `${SHOTS_RESIDENT}/long-answer-error-nojs.png` });
    await advice.getByRole("textbox").fill("多装路灯");
    await page.getByRole("button", { name: "提交" }).click();
    await expect(page.getByTestId("resident-done")).toBeVisible();
  });
});
