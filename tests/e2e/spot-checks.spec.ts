// The spot check (抽查补漏) end to end on phones: the office draws a seeded sample of 锦湖社区's
// households logged reached and gives it to the demo volunteer; the volunteer checks them on the
// phone (one correction: the latest result counts); the office's confirmation rates per volunteer
// and per community, with their intervals, move by exactly what was tapped. The expected numbers
// come from the journeys' database directly (who made each drawn visit, what every check held
// before) and from the taps themselves; the Wilson interval is computed here, not by the app.
import { expect, test, type Locator } from "@playwright/test";
import { E2E_PORT, PHONE } from "../../playwright.config";
import { clusterSql, SHOTS, signIn } from "./helpers";

const BASE = `http://localhost:${E2E_PORT}`;
const ROUND = "demo-visits";
const COMMUNITY = "锦湖社区";
const SIZE = 6;
const SEED = 20261203;

type Result = "confirmed" | "notConfirmed" | "couldNotCheck";
type Counts = Record<Result | "unchecked", number>;
const LABEL: Record<Result, string> = { confirmed: "核实", notConfirmed: "未核实", couldNotCheck: "无法核实" };
/** What the checker taps on the drawn households, in the order the phone shows them. */
const TAPS: Result[] = ["confirmed", "notConfirmed", "confirmed", "couldNotCheck", "confirmed", "notConfirmed"];

const zero = (): Counts => ({ confirmed: 0, notConfirmed: 0, couldNotCheck: 0, unchecked: 0 });

/** Wilson score interval at 95%, as printed: "66.7%20.8–93.9%n = 3" (or "—" without an answer). */
function rateText(c: Counts): string {
  const n = c.confirmed + c.notConfirmed;
  if (n === 0) return "—";
  const z = 1.959963984540054;
  const p = c.confirmed / n;
  const centre = p + (z * z) / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const lower = c.confirmed === 0 ? 0 : (centre - half) / (1 + (z * z) / n);
  const upper = c.confirmed === n ? 1 : (centre + half) / (1 + (z * z) / n);
  const pct = (x: number) => (Math.round(x * 1000) / 10).toFixed(1);
  return `${pct(p)}%${pct(lower)}–${pct(upper)}%n = ${n}`;
}

/** A confirmation table's row as its cells read: name, the four counts, the rate with its interval and n. */
const rowCells = (name: string, c: Counts) => [
  name,
  String(c.confirmed),
  String(c.notConfirmed),
  String(c.couldNotCheck),
  String(c.unchecked),
  rateText(c),
];

async function cells(table: Locator, name: string): Promise<string[]> {
  const row = table.locator("tbody tr").filter({ has: table.page().getByRole("cell", { name, exact: true }) });
  await expect(row).toHaveCount(1);
  return (await row.locator("td").allTextContents()).map((s) => s.trim());
}

test("the office draws a spot check, the checker records it on the phone, and the confirmation rates move by exactly those results", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const db = clusterSql();
  /** Every drawn household of the round's checks in the community, by its latest result: counted in SQL here. */
  const communityCounts = async (): Promise<Counts> => {
    const rows = await db<{ result: Result | null; n: number }[]>`
      with latest as (
        select distinct on (spot_check_id, household_id) spot_check_id, household_id, result
        from spot_check_results order by spot_check_id, household_id, at desc, id desc)
      select l.result, count(*)::int as n
      from spot_check_households sh
      join spot_checks c on c.id = sh.spot_check_id join visit_rounds r on r.id = c.round_id
      join households h on h.id = sh.household_id
      join places cm on cm.level = 'community' and h.path @> array[cm.id]
      left join latest l on l.spot_check_id = sh.spot_check_id and l.household_id = sh.household_id
      where r.code = ${ROUND} and cm.name = ${COMMUNITY}
      group by l.result`;
    const c = zero();
    for (const r of rows) c[r.result ?? "unchecked"] += r.n;
    return c;
  };
  const phone = await browser.newPage({ ...PHONE, baseURL: BASE });
  try {
    await signIn(page, "admin");
    await page.goto(`/coverage?round=${ROUND}`);
    await page.getByRole("link", { name: "抽查补漏" }).click();
    await expect(page.getByRole("heading", { name: "抽查补漏", level: 1 })).toBeVisible();
    const before = await communityCounts();
    // The demo's own check of the community is partly done: the page shows what the database holds.
    expect(before.confirmed + before.notConfirmed).toBeGreaterThan(0);
    expect(await cells(page.getByTestId("by-community"), COMMUNITY)).toEqual(rowCells(COMMUNITY, before));

    // Draw: 6 households of the community, seeded, for the demo volunteer.
    const draw = page.getByTestId("draw");
    await draw.getByLabel("抽查范围").selectOption({ label: COMMUNITY });
    await draw.getByLabel("比例或户数").fill(String(SIZE));
    await draw.getByLabel(/^随机种子/).fill(String(SEED));
    await draw.getByLabel("核查人").selectOption({ label: "志愿者（志愿者）" });
    await draw.getByRole("button", { name: "抽取并交给核查人" }).click();
    await expect(page).toHaveURL(/\/coverage\/spot-checks\/\d+$/);
    const checkId = Number(new URL(page.url()).pathname.split("/").pop());
    await expect(page.getByTestId("check-params")).toContainText(`种子 ${SEED}`);
    await expect(page.getByTestId("check-params")).toContainText(`中抽取 ${SIZE} 户`);
    await expect(page.getByTestId("check-households").locator("tbody tr")).toHaveCount(SIZE);

    // Who made each drawn visit, and that each was a reached log of the community by someone else.
    const drawn = await db<{ householdId: number; volunteer: string; outcome: string; community: string; checker: string }[]>`
      select sh.household_id as "householdId", u.display_name as volunteer, l.outcome, cm.name as community, ck.username as checker
      from spot_check_households sh join spot_checks c on c.id = sh.spot_check_id
      join visit_logs l on l.id = sh.visit_log_id join users u on u.id = l.volunteer_id join users ck on ck.id = c.checker_id
      join households h on h.id = sh.household_id join places cm on cm.level = 'community' and h.path @> array[cm.id]
      where sh.spot_check_id = ${checkId}`;
    expect(drawn).toHaveLength(SIZE);
    for (const d of drawn) {
      expect(d).toMatchObject({ outcome: "reached", community: COMMUNITY, checker: "volunteer" });
      expect(d.volunteer).not.toBe("志愿者");
    }

    // The checker's phone: my checks → the check → each building, each stairwell, each room.
    await signIn(phone, "volunteer");
    await phone.goto("/visits");
    const link = phone.getByTestId("my-checks").locator(`a[href$="/checks/${checkId}"]`);
    await expect(link).toContainText(`抽查 ${COMMUNITY}`);
    await expect(link).toContainText(`已核查 0 / ${SIZE} 户`);
    await link.click();
    await expect(phone.getByRole("heading", { name: `抽查 ${COMMUNITY}` })).toBeVisible();
    const buildings = phone.locator(".building-button");
    await expect(buildings.first()).toBeVisible();
    const tapped = new Map<number, Result>();
    const buildingCount = await buildings.count();
    for (let b = 0; b < buildingCount; b++) {
      await buildings.nth(b).click();
      await expect(phone.getByTestId("floors")).toBeVisible();
      const tabs = phone.getByRole("tab");
      for (let s = 0; s < Math.max(1, await tabs.count()); s++) {
        if ((await tabs.count()) > 0) await tabs.nth(s).click();
        const rooms = phone.locator(".room.status-unchecked");
        while ((await rooms.count()) > 0) {
          const room = rooms.first();
          const id = Number((await room.getAttribute("data-testid"))!.slice("room-".length));
          const result = TAPS[tapped.size];
          await room.click();
          const sheet = phone.getByTestId("result-sheet");
          await expect(sheet).toContainText("走访登记于");
          await sheet.getByRole("button", { name: LABEL[result], exact: true }).click();
          await expect(phone.getByTestId(`room-${id}`)).toHaveClass(new RegExp(`status-${result}`));
          tapped.set(id, result);
        }
      }
      if (tapped.size === SIZE) break;
      await phone.getByRole("button", { name: "‹ 返回抽查楼栋" }).click();
    }
    expect(tapped.size).toBe(SIZE);
    // A second look at the last household: it was not confirmed, now it is (the latest result counts).
    const [lastId, lastResult] = [...tapped].at(-1)!;
    expect(lastResult).toBe("notConfirmed");
    await phone.getByTestId(`room-${lastId}`).click();
    await expect(phone.getByTestId("result-sheet")).toContainText("当前结果：未核实（再点一次可更正）");
    await phone.screenshot({ path: `${SHOTS}/spot-check-sheet-phone.png` });
    await phone.getByTestId("result-sheet").getByRole("button", { name: "核实", exact: true }).click();
    await expect(phone.getByTestId(`room-${lastId}`)).toHaveClass(/status-confirmed/);
    tapped.set(lastId, "confirmed");
    await expect(phone.getByTestId("sync-state")).toContainText("待上传 0 条", { timeout: 15_000 });
    await phone.screenshot({ path: `${SHOTS}/spot-check-phone.png`, fullPage: true });
    await phone.goto("/visits");
    await expect(phone.getByTestId("my-checks").locator(`a[href$="/checks/${checkId}"]`)).toContainText(`已核查 ${SIZE} / ${SIZE} 户`);

    // Expected from the taps and who made each visit.
    const mine = zero();
    const byVolunteer = new Map<string, Counts>();
    for (const d of drawn) {
      const result = tapped.get(d.householdId)!;
      mine[result] += 1;
      const c = byVolunteer.get(d.volunteer) ?? zero();
      c[result] += 1;
      byVolunteer.set(d.volunteer, c);
    }
    expect(mine).toEqual({ confirmed: 4, notConfirmed: 1, couldNotCheck: 1, unchecked: 0 });

    // The check's page: per volunteer, this check only; every household with its result.
    await page.reload();
    const table = page.getByTestId("by-volunteer");
    await expect(table.locator("tbody tr")).toHaveCount(byVolunteer.size);
    for (const [name, c] of byVolunteer) expect(await cells(table, name)).toEqual(rowCells(name, c));
    const results = await page.getByTestId("check-households").locator("tbody tr td:nth-child(4)").allTextContents();
    expect(results.map((r) => r.replace(/\d.*$/, "")).sort()).toEqual([...tapped.values()].map((r) => LABEL[r]).sort());
    await page.screenshot({ path: `${SHOTS}/spot-check-office-phone.png`, fullPage: true });

    // The round's page: the community's rate and interval moved by exactly the taps.
    await page.getByRole("link", { name: "‹ 抽查补漏" }).click();
    const after = await communityCounts();
    expect(after).toEqual({
      confirmed: before.confirmed + mine.confirmed,
      notConfirmed: before.notConfirmed + mine.notConfirmed,
      couldNotCheck: before.couldNotCheck + mine.couldNotCheck,
      unchecked: before.unchecked,
    });
    const shown = await cells(page.getByTestId("by-community"), COMMUNITY);
    expect(shown).toEqual(rowCells(COMMUNITY, after));
    expect(shown[5]).not.toBe(rowCells(COMMUNITY, before)[5]);
    await expect(
      page
        .getByTestId("spot-checks")
        .locator("tbody tr")
        .filter({ hasText: `种子 ${SEED}` }),
    ).toContainText(`${SIZE} / ${SIZE}`);
    await page.screenshot({ path: `${SHOTS}/spot-checks-office-phone.png`, fullPage: true });
  } finally {
    await phone.close();
    await db.end();
  }
});
