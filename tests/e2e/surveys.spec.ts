import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/.artifacts";

// The JSON editor and its phone preview side by side need an office screen.
test.use({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });
// The phone check opens the questionnaire the first journey made.
test.describe.configure({ mode: "serial" });

async function signInAsAdmin(page: Page) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill("admin");
  await page.getByLabel("密码").fill("demo2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test("admin builds a questionnaire from the household template, breaks and fixes its JSON, and publishes it", async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "问卷" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "问卷" })).toBeVisible();
  await page.getByRole("link", { name: "新建问卷" }).click();

  const household = page.getByTestId("template-list").getByRole("listitem").filter({ hasText: "入户问卷" }).first();
  const templateTitle = (await household.locator(".name").textContent())!;
  await page.screenshot({ path: `${SHOTS}/survey-new-desktop.png`, fullPage: true });
  await household.getByRole("button", { name: "使用此模板" }).click();

  // The editor: the definition, the phone preview rendering it, no problems.
  await expect(page.getByRole("heading", { level: 1, name: templateTitle })).toBeVisible();
  await expect(page.getByText("尚未发布").first()).toBeVisible();
  const editor = page.getByRole("textbox", { name: "问卷定义（JSON）" });
  const phone = page.getByTestId("phone-frame");
  await expect(phone.locator(".sd-question").first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("检查通过：没有发现问题。")).toBeVisible();
  const phoneWidth = await phone.locator(".phone-screen").evaluate((e) => e.getBoundingClientRect().width);
  expect(phoneWidth).toBe(360);
  await page.screenshot({ path: `${SHOTS}/survey-editor-desktop.png` });

  // Break it: a property SurveyJS does not know, and a missing comma.
  const original = await editor.inputValue();
  const lines = original.split("\n");
  const typeLine = lines.findIndex((l) => l.includes('"type": "radiogroup"'));
  const indent = lines[typeLine].match(/^\s*/)![0];
  const broken = [...lines];
  broken.splice(typeLine + 1, 0, `${indent}"colour": "red",`);
  await editor.fill(broken.join("\n"));
  const problems = page.getByTestId("definition-errors");
  await expect(problems).toContainText(`第 ${typeLine + 2} 行`);
  await expect(problems).toContainText("colour");
  await expect(page.getByRole("button", { name: "发布" })).toBeDisabled();
  await problems.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/survey-editor-unknown-property-desktop.png` });

  const commaLine = lines.findIndex((l, i) => i > typeLine && /",$/.test(l));
  const malformed = [...lines];
  malformed[commaLine] = malformed[commaLine].replace(/,$/, "");
  await editor.fill(malformed.join("\n"));
  await expect(
    problems.getByRole("button", { name: new RegExp(`^JSON 格式有误（第 (${commaLine + 1}|${commaLine + 2}) 行`) }),
  ).toBeVisible();
  await expect(page.getByText("JSON 格式有误，预览显示的是上一次有效的内容。")).toBeVisible();
  // The server refuses it too, and keeps the text on screen.
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "问卷定义有 1 处问题" })).toBeVisible();
  await expect(page.getByText("未保存", { exact: true })).toBeVisible();
  // Jumping to the line selects it in the editor.
  await problems.getByRole("button").first().click();
  const selectedLine = await editor.evaluate((e: HTMLTextAreaElement) => e.value.slice(0, e.selectionStart).split("\n").length);
  expect([commaLine + 1, commaLine + 2]).toContain(selectedLine);
  await page.screenshot({ path: `${SHOTS}/survey-editor-error-desktop.png` });

  // Fix it, with a new survey title the preview shows.
  const titleLine = lines.findIndex((l) => l.startsWith('  "title": '));
  const fixed = [...lines];
  fixed[titleLine] = `  "title": "${templateTitle}（第一季度）",`;
  await editor.fill(fixed.join("\n"));
  await expect(page.getByText("检查通过：没有发现问题。")).toBeVisible();
  await expect(phone.getByText(`${templateTitle}（第一季度）`)).toBeVisible();

  await page.getByRole("button", { name: "发布" }).click();
  // Publishing freezes the version: the page says so first, and nothing is published yet.
  await expect(page.getByTestId("confirm-step")).toContainText("发布后第 1 版即冻结，不能修改也不能撤回");
  await expect(page.getByText("尚未发布").first()).toBeVisible();
  await page.getByRole("button", { name: "确认发布第 1 版" }).click();
  await expect(page.getByRole("status").filter({ hasText: "已发布第 1 版。" })).toBeVisible();
  await expect(page.getByTestId("version-list")).toContainText("第 1 版");
  await expect(page.getByText("未保存", { exact: true })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/survey-published-desktop.png`, fullPage: true });

  // Editing the published survey makes a draft: the list says so.
  await page.getByLabel("问卷名称").fill(`${templateTitle}（草稿修改）`);
  await editor.fill(fixed.join("\n").replace("（第一季度）", "（第二季度）"));
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByRole("status").filter({ hasText: "草稿已保存。" })).toBeVisible();
  await page.goto("/surveys");
  const row = page.getByTestId("survey-list").getByRole("row").filter({ hasText: "（草稿修改）" });
  await expect(row).toContainText("第 1 版");
  await expect(row).toContainText("未发布的修改");
  await page.screenshot({ path: `${SHOTS}/survey-list-desktop.png`, fullPage: true });
});

test("the survey pages read well on a phone", async ({ browser }) => {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
    locale: "zh-CN",
    deviceScaleFactor: 2,
  });
  const page = await context.newPage();
  await signInAsAdmin(page);
  await page.goto("/surveys");
  await page.getByRole("link", { name: "编辑" }).first().click();
  await expect(page.getByTestId("phone-frame").locator(".sd-question").first()).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: `${SHOTS}/survey-editor-phone.png`, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await context.close();
});
