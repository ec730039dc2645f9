import { expect, test, type Page } from "@playwright/test";

const SHOTS = process.env.SHOTS_DIR ?? "tests/e2e/.artifacts";

async function signIn(page: Page, identifier: string) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill("demo2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

test("the office ranks communities by door-to-door coverage and compares visited with not-visited households on a phone", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.goto("/bulletin");
  await page.getByLabel("指标").selectOption("coverage");
  await page.getByRole("button", { name: "查看" }).click();
  // Other journeys open rounds of their own: rank the demo round's logs.
  await page.getByLabel("走访轮次").selectOption("demo-visits");
  await page.getByRole("button", { name: "查看" }).click();
  await expect(page).toHaveURL(/round=demo-visits/);
  const bulletin = page.getByTestId("bulletin");
  await expect(bulletin.getByRole("heading", { level: 1 })).toContainText("入户走访覆盖率周通报");
  const rows = page.getByTestId("bulletin-table").locator("tbody tr");
  const ranks = (await rows.locator("td:first-child").allInnerTexts()).map((r) => r.trim());
  expect(ranks.filter((r) => /^\d+$/.test(r))).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
  // Plain counts of households, no interval: "63.2% 1,803/2,853 户".
  await expect(rows.first().locator("td").nth(2)).toHaveText(/^\d+\.\d%\s*[\d,]+\/[\d,]+ 户$/);
  await expect(page.getByTestId("rate-formula")).toContainText("普查");
  await expect(page.getByRole("link", { name: "导出 Excel" })).toHaveAttribute("href", /measure=coverage/);
  await page.screenshot({ path: `${SHOTS}/bulletin-coverage-phone.png`, fullPage: true });

  // Refusal: lower is better, so ranked from the lowest printed rate, the ceiling 5% by default.
  await page.getByLabel("指标").selectOption("refusal");
  await page.getByRole("button", { name: "查看" }).click();
  await expect(page).toHaveURL(/measure=refusal/);
  await expect(bulletin.getByRole("heading", { level: 1 })).toContainText("拒访率周通报");
  const refusals = (await rows.locator("td:nth-child(3) b").allInnerTexts()).map((x) => Number.parseFloat(x));
  expect(refusals.length).toBeGreaterThanOrEqual(7);
  expect(refusals.slice(0, 7)).toEqual([...refusals.slice(0, 7)].sort((a, b) => a - b));
  await expect(bulletin).toContainText("普查，越低越好：红为高于上限 5.0%");
  await expect(page.getByRole("link", { name: "导出 Excel" })).toHaveAttribute("href", /measure=refusal/);
  await page.screenshot({ path: `${SHOTS}/bulletin-refusal-phone.png`, fullPage: true });

  await page.goto("/rates/compare?by=visited");
  const groups = page.getByTestId("groups-table");
  await expect(groups).toContainText("答卷前已入户走访到");
  await expect(groups).toContainText("未走访到");
  // The difference printed is the difference of the two printed rates.
  const shown = (await groups.locator("tbody tr td:nth-child(3) b").allInnerTexts()).map((x) => Number.parseFloat(x));
  const difference = await page.getByTestId("groups-difference").locator("b").innerText();
  const d = Math.round((shown[0] - shown[1]) * 10) / 10;
  expect(difference).toContain(`${d > 0 ? "+" : d < 0 ? "−" : "±"}${Math.abs(d).toFixed(1)}`);
  await page.screenshot({ path: `${SHOTS}/compare-visited-phone.png`, fullPage: true });

  await page.goto("/rates/trends");
  await expect(page.getByTestId("coverage-trend")).toContainText("入户走访覆盖率（每周末累计）");
  await expect(page.getByTestId("refusal-trend")).toContainText("拒访率（每周末）");
  await expect(page.getByTestId("refusal-trend").locator("tbody tr").first()).toContainText("户");
  await page.screenshot({ path: `${SHOTS}/trends-coverage-phone.png`, fullPage: true });
});
