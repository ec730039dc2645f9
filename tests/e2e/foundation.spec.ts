import { expect, test, type Page } from "@playwright/test";

const SHOTS = "tests/e2e/.artifacts";

async function signIn(page: Page, identifier: string, password = "demo2026") {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}

async function signedIn(page: Page, identifier: string) {
  await signIn(page, identifier);
  await expect(page).not.toHaveURL(/\/login/);
}

test("sign-in page speaks Chinese and rejects a wrong password", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2F/);
  await expect(page.getByRole("heading", { name: "登录" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/login-phone.png`, fullPage: true });
  await signIn(page, "admin", "wrong-password1");
  await expect(page.getByRole("alert")).toHaveText("用户名/手机号或密码不正确。");
});

test("admin sees the county tree with household counts and drills down to rooms", async ({ page }) => {
  await signedIn(page, "admin");
  await expect(page.getByRole("heading", { name: /青禾县/ })).toBeVisible();
  const stats = page.getByTestId("place-stats");
  await expect(stats).toContainText("住户");
  const streets = page.getByTestId("place-list").getByRole("link");
  await expect(streets).toHaveCount(2);
  await expect(streets.first()).toContainText(/[\d,]+ 户/);
  await page.screenshot({ path: `${SHOTS}/place-tree-phone.png`, fullPage: true });
  // Down to a building: rooms are listed.
  for (const level of ["街道", "社区", "小区", "楼栋"]) {
    await page.getByTestId("place-list").getByRole("link").first().click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(level);
  }
  await expect(page.getByRole("heading", { name: "房号" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/building-phone.png`, fullPage: true });
});

test("community staff browse only their own community and are refused another", async ({ page }) => {
  await signedIn(page, "community");
  // Their start page is their community, not the county.
  await expect(page.getByRole("heading", { level: 1 })).toContainText("社区");
  const ownUrl = page.url();
  const crumbs = page.getByRole("navigation", { name: "所在位置" });
  await expect(crumbs.getByRole("link")).toHaveCount(0);
  await page.getByTestId("place-list").getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("小区");
  await expect(crumbs.getByRole("link")).toHaveCount(1);

  // The other communities' ids: the admin's view lists them.
  const ownId = Number(ownUrl.split("/").pop());
  const other = ownId + 1;
  const response = await page.goto(`/places/${other}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到页面" })).toBeVisible();
  await expect(page.getByText("该页面不存在，或不在您的管辖范围内。")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/refused-phone.png`, fullPage: true });
  // No import or account pages for this role.
  await expect(page.getByRole("link", { name: "账号" })).toHaveCount(0);
  expect((await page.goto("/admin/users"))?.status()).toBe(403);
});

test("admin imports a register file: errors first, then preview and confirm", async ({ page }) => {
  await signedIn(page, "admin");
  await page.goto("/register/import");
  const bad = "街道,社区,小区,楼栋,单元,房号\n城关街道,东门社区,锦绣花园,1号楼,1单元,\n";
  await page.getByLabel("登记文件").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.getByRole("button", { name: "上传并预览" }).click();
  await expect(page.getByTestId("import-issues")).toContainText("第 2 行「房号」");
  await page.screenshot({ path: `${SHOTS}/import-errors-phone.png`, fullPage: true });

  const good = "街道,社区,小区,楼栋,单元,房号\n新城街道,新苑社区,新苑小区,1号楼,1单元,101\n新城街道,新苑社区,新苑小区,1号楼,1单元,102\n";
  await page.getByLabel("登记文件").setInputFiles({ name: "good.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await page.getByRole("button", { name: "上传并预览" }).click();
  await expect(page.getByTestId("import-summary")).toContainText("新增住户");
  await page.getByRole("button", { name: "确认导入" }).click();
  await expect(page.getByRole("status")).toContainText("导入完成。");
  await page.goto("/places");
  await expect(page.getByTestId("place-list")).toContainText("新城街道");

  await page.goto("/admin/audit");
  await expect(page.locator("table")).toContainText("导入住户登记");
  await expect(page.locator("table")).toContainText("good.csv");
});

test("admin creates an account that signs in with its phone number, then disables it", async ({ page, browser }) => {
  await signedIn(page, "admin");
  await page.goto("/admin/users/new");
  await page.getByLabel("用户名").fill("zhangsan");
  await page.getByLabel("姓名").fill("张三");
  await page.getByLabel("手机号（可用于登录）").fill("13912345678");
  await page.getByLabel("角色").selectOption("volunteer");
  await page.getByLabel("初始密码").fill("short");
  await page.getByRole("button", { name: "创建账号" }).click();
  await expect(page.getByText("密码至少 8 位")).toBeVisible();
  await page.getByLabel("初始密码").fill("volunteer2026");
  await page.getByRole("button", { name: "创建账号" }).click();
  await expect(page.getByText("账号已创建。")).toBeVisible();

  const other = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const volunteer = await other.newPage();
  await volunteer.goto("/login");
  await volunteer.getByLabel("用户名或手机号").fill("13912345678");
  await volunteer.getByLabel("密码").fill("volunteer2026");
  await volunteer.getByRole("button", { name: "登录" }).click();
  await expect(volunteer).not.toHaveURL(/\/login/);

  await page.getByRole("button", { name: "停用账号" }).click();
  await expect(page.getByTestId("confirm-step")).toContainText("在所有设备上的登录立即失效");
  await page.getByRole("button", { name: "确认停用" }).click();
  await expect(page.getByText("账号已停用。")).toBeVisible();
  // The disabled account's open session ends at once.
  await volunteer.reload();
  await expect(volunteer).toHaveURL(/\/login/);
  await other.close();
});

test("the interface switches to English and back", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "中文" }).click();
  await expect(page.getByRole("heading", { name: "登录" })).toBeVisible();
});
