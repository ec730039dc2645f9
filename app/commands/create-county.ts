import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

export const usage =
  "create-county --code <code> --name <名称> --admin <username> [--password <pw>]\n" +
  "                          create a county (tenant) and its first admin account";

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { code: { type: "string" }, name: { type: "string" }, admin: { type: "string" }, password: { type: "string" } },
  });
  if (!values.code || !values.name || !values.admin) {
    console.error(`usage: npm run cli -- ${usage}`);
    return 2;
  }
  const { createCounty } = await import("~/models/counties.server");
  const { createUser } = await import("~/models/users.server");
  const password = values.password ?? `${randomBytes(6).toString("base64url")}9a`;
  const county = await createCounty(values.code, values.name);
  const created = await createUser(county.id, {
    username: values.admin,
    displayName: `${values.name}管理员`,
    phone: null,
    role: "admin",
    scope: { placeId: county.rootPlaceId },
    password,
  });
  if ("problem" in created) throw new Error(`admin account: ${created.problem}`);
  console.log(`county ${values.code} created; admin ${values.admin}, password ${password}`);
  return 0;
}
