// The volunteer on a phone with no signal in the stairwell: the round opens offline, three taps
// wait on the phone through a reload and a browser restart, and arrive once when the signal
// returns; the office's coverage moves by exactly those households.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, expect, test, type BrowserContext, type Page } from "@playwright/test";
import { CHROMIUM, E2E_PORT, PHONE } from "../../playwright.config";
import { SHOTS, signIn } from "./helpers";

const BASE = `http://localhost:${E2E_PORT}`;
const ROUND = "demo-visits";

type Unit = { placeId: number | null; name: string; reached: number; pending: number };

async function coverageOf(page: Page, level: string): Promise<Unit[]> {
  const response = await page.request.get(`/api/coverage?round=${ROUND}&level=${level}`);
  expect(response.status()).toBe(200);
  return (await response.json()).units;
}

const launch = (dir: string, offline = false): Promise<BrowserContext> =>
  chromium.launchPersistentContext(dir, { ...CHROMIUM, ...PHONE, baseURL: BASE, offline });

test("a volunteer logs three households offline; after a reload and a browser restart they arrive once", async ({ browser }) => {
  test.setTimeout(120_000);
  const office = await browser.newPage({ baseURL: BASE });
  await signIn(office, "admin");

  const dir = mkdtempSync(path.join(tmpdir(), "wm-volunteer-"));
  let phone: BrowserContext | null = null;
  try {
    phone = await launch(dir);
    let page = phone.pages()[0] ?? (await phone.newPage());
    await signIn(page, "volunteer");
    // A volunteer starts at their rounds.
    await expect(page).toHaveURL(/\/visits$/);
    await page
      .getByTestId("my-rounds")
      .getByRole("link", { name: /创文入户宣传第一轮/ })
      .click();
    await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();
    // Once the service worker controls the page, a reload puts the page and the assignment in its cache.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/volunteer-buildings-phone.png` });

    // No signal: the page still opens.
    await phone.setOffline(true);
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("离线");
    // The first stairwell with three households not visited yet.
    const buttons = page.locator(".building-button");
    await expect(buttons.first()).toBeVisible();
    const count = await buttons.count();
    let buildingName = "";
    search: for (let i = 0; i < count; i++) {
      await buttons.nth(i).click();
      await expect(page.getByTestId("floors")).toBeVisible();
      const tabs = page.getByRole("tab");
      for (let s = 0; s < Math.max(1, await tabs.count()); s++) {
        if ((await tabs.count()) > 0) {
          await tabs.nth(s).click();
          await expect(tabs.nth(s)).toHaveAttribute("aria-selected", "true");
        }
        if ((await page.locator(".room.status-pending").count()) >= 3) {
          buildingName = (await page.getByRole("heading", { level: 2 }).textContent()) ?? "";
          break search;
        }
      }
      await page.getByRole("button", { name: "‹ 返回我的楼栋" }).click();
    }
    expect(buildingName).not.toBe("");
    const rooms = page.locator(".room.status-pending");
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const room = rooms.first();
      ids.push(Number((await room.getAttribute("data-testid"))!.slice("room-".length)));
      await room.click();
      await page.getByTestId("outcome-sheet").getByRole("button", { name: "已送达/已宣讲" }).click();
      // The round's message and quiz follow every "reached" (tests/e2e/visit-forms.spec.ts); skipped here.
      await page.getByTestId("reached-sheet").getByRole("button", { name: "住户不答，跳过" }).click();
      await expect(page.getByTestId(`room-${ids[i]}`)).toHaveClass(/status-reached/);
    }
    await expect(page.getByTestId("sync-state")).toContainText("待上传 3 条");
    await page.screenshot({ path: `${SHOTS}/volunteer-building-phone.png`, fullPage: true });

    const before = await coverageOf(office, "building");
    const community = (await coverageOf(office, "community")).find((u) => u.name === "锦湖社区")!;

    // Still offline: reload, then close the browser and open it again.
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("待上传 3 条");
    await phone.close();
    phone = await launch(dir, true);
    page = phone.pages()[0] ?? (await phone.newPage());
    await page.goto(`/visits/${ROUND}`);
    await expect(page.getByTestId("sync-state")).toContainText("待上传 3 条");

    // Signal again: the three go out, once.
    await phone.setOffline(false);
    await expect(page.getByTestId("sync-state")).toContainText("待上传 0 条", { timeout: 15_000 });
    await page.reload();
    await expect(page.getByTestId("sync-state")).toContainText("待上传 0 条");
    await phone.close();

    const after = await coverageOf(office, "building");
    const changed = after.filter((u) => before.find((b) => b.placeId === u.placeId)!.reached !== u.reached);
    expect(changed).toHaveLength(1);
    const was = before.find((b) => b.placeId === changed[0].placeId)!;
    expect(changed[0].reached - was.reached).toBe(3);
    expect(was.pending - changed[0].pending).toBe(3);
    expect(buildingName).toContain(changed[0].name);
    const communityAfter = (await coverageOf(office, "community")).find((u) => u.name === "锦湖社区")!;
    expect(communityAfter.reached - community.reached).toBe(3);
    expect(ids).toHaveLength(3);
  } finally {
    await phone?.close().catch(() => {});
    await office.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
});

test("the office reads coverage and pace on a phone, down to a building's floors and stairwells", async ({ page }) => {
  await signIn(page, "community");
  await page.getByRole("link", { name: "走访覆盖" }).click();
  await expect(page.getByRole("heading", { name: "入户走访覆盖率" })).toBeVisible();
  await expect(page.getByTestId("coverage-total")).toContainText(/已走访 [\d,]+ \/ [\d,]+ 户，覆盖率 \d+\.\d%/);
  await expect(page.getByTestId("pace")).toHaveCount(2);
  await expect(page.getByTestId("pace").first()).toContainText("剩余");
  await expect(page.getByText("这是全部住户的普查，不是抽样")).toBeVisible();
  // Community staff see their own community only.
  await expect(page.getByTestId("coverage-table").locator("tbody tr")).toHaveCount(1);
  // The unit's coverage stands beside its name, on screen without scrolling sideways, and it is the total's.
  const totalRate = /覆盖率 (\d+\.\d%)/.exec((await page.getByTestId("coverage-total").textContent()) ?? "")![1];
  const rateCell = page.getByTestId("coverage-table").locator("tbody tr").first().locator("td").nth(1);
  await expect(rateCell).toHaveText(totalRate);
  const box = (await rateCell.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await page.screenshot({ path: `${SHOTS}/coverage-phone.png`, fullPage: true });
  await page.getByTestId("coverage-table").screenshot({ path: `${SHOTS}/coverage-table-phone.png` });
  await page.getByLabel("层级").selectOption("building");
  await page.getByRole("button", { name: "查看" }).click();
  const first = page.getByTestId("coverage-table").locator("tbody tr").first().getByRole("link");
  const name = (await first.textContent())!;
  await first.click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await expect(page.getByTestId("building-grid").locator(".room").first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/coverage-building-phone.png`, fullPage: true });
});

test("the office creates a round over a community, community staff assign buildings, and the volunteer finds them", async ({
  page,
  browser,
}) => {
  await signIn(page, "admin");
  await page.goto("/rounds");
  const form = page.getByTestId("new-round");
  await form.getByLabel("名称").fill("锦湖补漏走访");
  await form.getByLabel(/^代码/).fill("jinhu-gaps");
  await form.getByRole("button", { name: "创建并去分配楼栋" }).click();
  // Nothing chosen: the form says so and keeps what was typed.
  await expect(form.getByText("请至少选择一个社区、小区或楼栋")).toBeVisible();
  await expect(form.getByLabel("名称")).toHaveValue("锦湖补漏走访");
  await form.getByRole("checkbox", { name: /^锦湖社区/ }).check();
  await form.getByRole("button", { name: "创建并去分配楼栋" }).click();
  await expect(page).toHaveURL(/\/rounds\/jinhu-gaps$/);
  await expect(page.getByRole("heading", { name: "锦湖补漏走访" })).toBeVisible();

  const staff = await browser.newPage();
  await signIn(staff, "community");
  await staff.goto("/rounds/jinhu-gaps");
  const assign = staff.getByTestId("assign");
  await assign.getByLabel("分配给").selectOption({ label: "志愿者（志愿者）" });
  const boxes = assign.getByRole("checkbox");
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await assign.getByRole("button", { name: "分配勾选的楼栋" }).click();
  await expect(staff.getByRole("status")).toContainText("已分配 2 栋");
  await expect(assign.locator("tbody tr").nth(0)).toContainText("志愿者");
  await staff.screenshot({ path: `${SHOTS}/rounds-assign-phone.png`, fullPage: true });
  // Only the county office ends a round.
  await expect(staff.getByTestId("round-state")).toContainText("进行中");
  await expect(staff.getByRole("button", { name: "结束本轮" })).toHaveCount(0);
  await staff.close();

  const volunteer = await browser.newPage();
  await signIn(volunteer, "volunteer");
  await volunteer.goto("/visits");
  await volunteer
    .getByTestId("my-rounds")
    .getByRole("link", { name: /锦湖补漏走访/ })
    .click();
  await expect(volunteer.locator(".building-button")).toHaveCount(2);

  // The office ends the round (after a confirmation); the volunteer no longer has it to do.
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "结束本轮" }).click();
  await expect(page.getByRole("status")).toHaveText("本轮已结束。");
  await expect(page.getByTestId("round-state")).toContainText("已结束");
  await page.screenshot({ path: `${SHOTS}/round-closed-phone.png` });
  await volunteer.goto("/visits");
  await expect(volunteer.getByTestId("my-rounds").getByRole("link", { name: /创文入户宣传第一轮/ })).toBeVisible();
  await expect(volunteer.getByTestId("my-rounds").getByRole("link", { name: /锦湖补漏走访/ })).toHaveCount(0);
  await volunteer.close();
  // Opened again, it is back.
  await page.getByRole("button", { name: "重新开放本轮" }).click();
  await expect(page.getByRole("status")).toHaveText("本轮已重新开放，志愿者可以继续登记。");
  await expect(page.getByTestId("round-state")).toContainText("进行中");
});

test("the office reviews the logs that look made up and rejects them with a reason", async ({ page }) => {
  await signIn(page, "admin");
  await page.goto(`/coverage?round=${ROUND}`);
  await page.getByRole("link", { name: "复核可疑记录" }).click();
  await expect(page.getByRole("heading", { name: "走访记录复核" })).toBeVisible();
  await expect(page.getByTestId("signal-counts")).toContainText("连续快速登记：40 条");
  const rows = page.getByTestId("flagged").locator("tbody tr").filter({ hasText: "连续快速登记" });
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await page.getByRole("button", { name: "驳回勾选的记录" }).click();
  await expect(page.getByText("驳回请写明原因")).toBeVisible();
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await page.getByLabel("驳回原因（驳回时必填）").fill("5 秒一户，凌晨两点");
  await page.getByRole("button", { name: "驳回勾选的记录" }).click();
  await expect(page.getByRole("status")).toContainText("已驳回 2 条");
  // Decided logs go to the end of the list; 38 of the burst are still waiting, first.
  await expect(rows.filter({ hasText: "待复核" })).toHaveCount(38);
  await page.screenshot({ path: `${SHOTS}/review-phone.png` });
});

type Shown = { id: number; status: string; attempts: number };

/** The households of the volunteer's assignment as the server has them now. */
async function assigned(page: Page, ids: number[]): Promise<Shown[]> {
  const response = await page.request.get(`/api/visits/assignment?round=${ROUND}`);
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { buildings: { stairwells: { households: Shown[] }[] }[] };
  const all = body.buildings.flatMap((b) => b.stairwells.flatMap((s) => s.households));
  return ids.map((id) => {
    const h = all.find((x) => x.id === id)!;
    return { id, status: h.status, attempts: h.attempts };
  });
}

test("a volunteer marks a whole floor not home with one tap and takes the whole floor back with one undo", async ({ page }) => {
  await signIn(page, "volunteer");
  await page.goto(`/visits/${ROUND}`);
  await expect(page.getByRole("heading", { name: "我的楼栋" })).toBeVisible();
  const buttons = page.locator(".building-button");
  await expect(buttons.first()).toBeVisible();
  // The first building with a floor of two or more households still to find at home.
  const floorButton = page.getByRole("button", { name: "整层都不在家" });
  for (let i = 0; i < (await buttons.count()); i++) {
    await buttons.nth(i).click();
    await expect(page.getByTestId("floors")).toBeVisible();
    if ((await floorButton.count()) > 0) break;
    await page.getByRole("button", { name: "‹ 返回我的楼栋" }).click();
  }
  const floor = page.locator(".floor").filter({ has: floorButton }).first();
  const rooms = floor.locator(".room.status-pending, .room.status-notHome");
  const ids = (await rooms.evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")!))).map((x) => Number(x.slice(5)));
  expect(ids.length).toBeGreaterThanOrEqual(2);
  const before = await assigned(page, ids);

  await floor.getByRole("button", { name: "整层都不在家" }).click();
  for (const id of ids) await expect(page.getByTestId(`room-${id}`)).toContainText(/不在家|无法联系/);
  await expect(page.getByTestId("sync-state")).toContainText("待上传 0 条");
  // One log per household of the floor, each one more try.
  const tapped = await assigned(page, ids);
  expect(tapped.map((h) => h.attempts)).toEqual(before.map((h) => h.attempts + 1));
  expect(tapped.every((h) => h.status === "notHome" || h.status === "unreachable")).toBe(true);
  await page.screenshot({ path: `${SHOTS}/volunteer-floor-not-home-phone.png`, fullPage: true });

  // One undo takes back the whole floor's tap, with correcting logs (nothing deleted).
  await page.getByTestId("undo").click();
  await expect(page.getByTestId("undo")).toHaveCount(0);
  await expect(page.getByTestId("sync-state")).toContainText("待上传 0 条");
  await expect.poll(() => assigned(page, ids)).toEqual(before);
  for (const h of before) await expect(page.getByTestId(`room-${h.id}`)).toHaveClass(new RegExp(`status-${h.status}\\b`));
});

/** A `datetime-local` value in Beijing time, `days` from now at `hour`:00. */
function beijingLocal(days: number, hour: number): string {
  const day = new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${String(hour).padStart(2, "0")}:00`;
}

test("the office's pace turns red when the first deadline comes too close for the last three days' pace", async ({ page }) => {
  await signIn(page, "admin");
  // Where the last three days' pace ends the work depends on the hour the demo was seeded and the
  // hour now (a Beijing day's logs count from its midnight): read it, then put the first deadline
  // just before it. A deadline at 00:00 of the projected day leaves the day before as the last one.
  await page.goto(`/coverage?round=${ROUND}`);
  const projection = /按此进度 (\d{4}-\d{2}-\d{2}) 完成/.exec((await page.getByTestId("pace").nth(1).textContent())!);
  expect(projection, "the demo round has a pace and work left").not.toBeNull();
  const projected = projection![1];
  const daysLeft = Math.round((Date.parse(projected) - Date.parse(beijingLocal(0, 0).slice(0, 10))) / 86_400_000);
  expect(daysLeft, "the demo's work does not end today at its pace").toBeGreaterThan(0);

  await page.goto(`/rounds/${ROUND}`);
  const card = page.getByTestId("round-deadlines");
  const first = card.getByLabel("首轮截止");
  const final = card.getByLabel("补漏截止");
  const was = { first: await first.inputValue(), final: await final.inputValue() };
  try {
    await first.fill(`${projected}T00:00`);
    await final.fill(beijingLocal(365, 18));
    await card.getByRole("button", { name: "保存截止时间" }).click();
    await expect(page.getByRole("status")).toContainText("截止时间已保存");

    await page.goto(`/coverage?round=${ROUND}`);
    const [soon, later] = [page.getByTestId("pace").nth(0), page.getByTestId("pace").nth(1)];
    await expect(soon).toHaveClass(/\blate\b/);
    await expect(soon).toContainText(`剩余 ${daysLeft} 天（含今天）`);
    await expect(soon).toContainText("按当前进度赶不上");
    await expect(soon).toContainText(`按此进度 ${projected} 完成`);
    // The households needed per day are what is left over the days left.
    const remaining = Number(/还有 ([\d,]+) 户未完成/.exec((await soon.textContent())!)![1].replace(/,/g, ""));
    await expect(soon).toContainText(`每天需完成 ${Math.ceil(remaining / daysLeft).toLocaleString("en-US")} 户`);
    await expect(later).not.toHaveClass(/\blate\b/);
    await expect(later).not.toContainText("按当前进度赶不上");
    await expect(later).toContainText(`按此进度 ${projected} 完成`);
    await page
      .getByTestId("pace")
      .nth(0)
      .screenshot({ path: `${SHOTS}/coverage-pace-late-phone.png` });
    await page.screenshot({ path: `${SHOTS}/coverage-pace-phone.png`, fullPage: true });
  } finally {
    await page.goto(`/rounds/${ROUND}`);
    await first.fill(was.first);
    await final.fill(was.final);
    await card.getByRole("button", { name: "保存截止时间" }).click();
    await expect(page.getByRole("status")).toContainText("截止时间已保存");
  }
});
