import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, type Page } from "@playwright/test";

export const SHOTS = "tests/e2e/.artifacts";
export const DEMO_PASSWORD = "demo2026";

export async function signIn(page: Page, identifier: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("用户名或手机号").fill(identifier);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** Runs the operators' CLI against the e2e server's embedded database (it joins the running cluster). */
export function cli(...args: string[]): string {
  return execFileSync(process.execPath, ["--import", "tsx", "app/cli.ts", ...args], {
    env: { ...process.env, DATA_DIR: path.join(tmpdir(), `wenming-e2e-${process.env.E2E_PORT ?? "3457"}`), DATABASE_URL: "" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
