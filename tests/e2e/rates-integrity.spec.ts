// What a leader reads must add up: the minimum n applies to the n printed beside the ranked figure,
// a change is the difference of the two rates printed, every table carries the bulletin's 红/黄/绿.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { SHOTS, signIn } from "./helpers";

const percent = (text: string) => Number(/(-?\d+\.\d)%/.exec(text)![1]);
const effectiveN = (text: string) => Number(/有效样本量 ([\d,]+(?:\.\d)?)/.exec(text)![1].replace(/,/g, ""));

async function rows(table: Locator) {
  return table.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      greyed: tr.classList.contains("greyed"),
      total: tr.classList.contains("total"),
      cells: [...tr.querySelectorAll("td")].map((td) => (td as HTMLElement).innerText.trim()),
    })),
  );
}

async function rankedRowsObeyTheMinimum(page: Page, minN: number) {
  const table = await rows(page.getByTestId("rate-table"));
  let ranked = 0;
  let greyedAbove = 0;
  for (const row of table.filter((r) => !r.total)) {
    const [rank, , weighted, status] = row.cells;
    if (weighted.startsWith("—")) continue;
    const n = effectiveN(weighted);
    if (/^\d+$/.test(rank)) {
      ranked += 1;
      expect(n, `${row.cells[1]} is ranked ${rank} with 有效样本量 ${n}`).toBeGreaterThanOrEqual(minN);
      expect(["红", "黄", "绿"]).toContain(status);
    } else {
      expect(n).toBeLessThan(minN);
      expect([row.greyed, status]).toEqual([true, "样本不足"]);
      // Whole respondents stand beside the effective n: here they may well reach the minimum.
      if (Number(row.cells[7].replace(/,/g, "")) >= minN) greyedAbove += 1;
    }
  }
  return { ranked, greyedAbove };
}

test("compounds are ranked only when the effective n printed beside them reaches the minimum, with their 红/黄/绿", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto("/rates?level=compound");
  await expect(page.getByRole("heading", { name: "各小区" })).toBeVisible();
  const { ranked, greyedAbove } = await rankedRowsObeyTheMinimum(page, 30);
  expect(ranked).toBeGreaterThan(3);
  // The case the old rule got wrong: 30 or more responses, an effective n under 30, not ranked.
  expect(greyedAbove).toBeGreaterThan(0);
  await expect(page.getByText("有效样本量小于 30 的灰显、不排名")).toBeVisible();
  await page.getByTestId("rate-table").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/rates-compounds-phone.png` });
  // A stricter minimum through the form changes the ranking the same way.
  await page.goto("/rates?level=compound&minN=60");
  expect((await rankedRowsObeyTheMinimum(page, 60)).ranked).toBeLessThan(ranked);
});

test("every bulletin row's change is this week's rate minus last week's, as printed, at two levels", async ({ page }) => {
  await signIn(page, "admin");
  let checked = 0;
  for (const level of ["community", "grid"]) {
    for (const span of ["week", "cumulative"]) {
      await page.goto(`/bulletin?level=${level}&span=${span}&minN=5`);
      const table = await rows(page.getByTestId("bulletin-table"));
      expect(table.length).toBeGreaterThan(5);
      for (const { cells } of table) {
        const [, name, now, last, change] = cells;
        if (now.startsWith("—") || last === "—") continue;
        const d = Number(/([+−±])(\d+\.\d) 个百分点/.exec(change)!.slice(1).join("").replace("−", "-").replace("±", ""));
        expect(d, `${name}: ${now} vs ${last} → ${change}`).toBeCloseTo(percent(now) - percent(last), 6);
        checked += 1;
      }
    }
  }
  expect(checked).toBeGreaterThan(40);
  await page.goto("/bulletin?level=community&span=week");
  await page.getByTestId("bulletin-table").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/bulletin-week-phone.png` });
});

test("community staff rank their compounds, buildings or grids in the bulletin, not a one-row table of communities", async ({ page }) => {
  await signIn(page, "community");
  await page.goto("/bulletin");
  const level = page.getByLabel("排名对象");
  await expect(level.locator("option")).toHaveText(["小区", "楼栋", "网格"]);
  await expect(level).toHaveValue("compound");
  expect((await rows(page.getByTestId("bulletin-table"))).length).toBeGreaterThan(1);
  await level.selectOption("building");
  await page.getByRole("button", { name: "查看" }).click();
  await expect(page.getByTestId("bulletin-table").locator("thead")).toContainText("楼栋");
  await page.screenshot({ path: `${SHOTS}/bulletin-community-phone.png`, fullPage: false });
});
