import { describe, expect, it, beforeAll } from "vitest";
import iconv from "iconv-lite";
import ExcelJS from "exceljs";
import { sql } from "~/db.server";
import { confirmRegisterImport, previewRegisterImport } from "~/models/register.server";
import { changeCount } from "~/domain/register-import";
import { createUser, type CurrentUser } from "~/models/users.server";
import { translate } from "~/i18n";
import { generateDemoRegister, registerToCsv } from "../../db/seed/demo-county";
import { createCounty, placeId, registerCounts, signedIn } from "./helpers";

const HEADER = "街道,社区,小区,楼栋,单元,房号,空置,网格,网格长,网格长电话,责任单位";
const SMALL = [
  HEADER,
  "城关街道,东门社区,锦绣花园,1号楼,1单元,101,否,东门第1网格,张三,13800000001,县财政局",
  "城关街道,东门社区,锦绣花园,1号楼,1单元,102,是,东门第1网格,张三,13800000001,县财政局",
  "城关街道,东门社区,锦绣花园,2号楼,,101,,东门第1网格,张三,13800000001,县财政局",
  "城关街道,西门社区,翠柳苑,1号楼,1单元,201,否,西门第1网格,李四,13800000002,县教育局",
].join("\n");

const bytes = (text: string) => new TextEncoder().encode(text);

let countyId: number;
let admin: CurrentUser;

beforeAll(async () => {
  const county = await createCounty("test", "测试县");
  countyId = county.id;
  await createUser(countyId, {
    username: "admin",
    displayName: "管理员",
    phone: null,
    role: "admin",
    scope: { placeId: county.rootPlaceId },
    password: "secret123",
  });
  admin = await signedIn("admin", "secret123");
});

describe("register import", () => {
  it("previews without writing, then applies all rows, and a re-import changes nothing", async () => {
    const preview = await previewRegisterImport(admin, { name: "small.csv", data: bytes(SMALL) });
    if (!preview.ok) throw new Error(JSON.stringify(preview.issues));
    expect(preview.summary).toMatchObject({
      rows: 4,
      householdsCreated: 4,
      placesCreated: { street: 1, community: 2, compound: 2, building: 3, stairwell: 2 },
      gridsCreated: 2,
    });
    expect(await registerCounts(countyId)).toMatchObject({ households: 0, places: 1 });

    const applied = await confirmRegisterImport(admin, preview.importId, "127.0.0.1");
    expect(applied).toMatchObject({ ok: true, summary: { householdsCreated: 4 } });
    expect(await registerCounts(countyId)).toEqual({ places: 11, households: 4, grids: 2, links: 3 });
    // A confirmed import cannot be applied twice.
    expect(await confirmRegisterImport(admin, preview.importId, null)).toBeNull();

    const again = await previewRegisterImport(admin, { name: "small.csv", data: bytes(SMALL) });
    if (!again.ok) throw new Error("re-import rejected");
    expect(changeCount(again.summary)).toBe(0);
    expect(again.summary.householdsUnchanged).toBe(4);
    await confirmRegisterImport(admin, again.importId, null);
    expect(await registerCounts(countyId)).toEqual({ places: 11, households: 4, grids: 2, links: 3 });

    const [audit] = await sql`select action, target from audit_log where action = 'register.import' order by id limit 1`;
    expect(audit).toMatchObject({ action: "register.import", target: "small.csv" });
  });

  it("reads GBK and UTF-8-with-BOM files alike and records a vacancy change", async () => {
    const changed = SMALL.replace("1单元,101,否", "1单元,101,是");
    const gbk = await previewRegisterImport(admin, { name: "gbk.csv", data: iconv.encode(changed, "gbk") });
    if (!gbk.ok) throw new Error(JSON.stringify(gbk.issues));
    expect(gbk.summary).toMatchObject({ householdsCreated: 0, householdsUpdated: 1, householdsUnchanged: 3 });
    const bom = await previewRegisterImport(admin, { name: "bom.csv", data: bytes(`\uFEFF${changed}`) });
    expect(bom.ok && bom.summary.householdsUpdated).toBe(1);
  });

  it("rejects a bad file with Chinese row/column errors and changes nothing", async () => {
    const before = await registerCounts(countyId);
    const bad = [
      HEADER,
      "城关街道,东门社区,锦绣花园,3号楼,1单元,,否,,,,",
      "城关街道,东门社区,锦绣花园,3号楼,1单元,301,也许,,,,",
      "城关街道,东门社区,锦绣花园,3号楼,1单元,302,否,,,,",
      "城关街道,东门社区,锦绣花园,3号楼,1单元,302,否,,,,",
    ].join("\n");
    const result = await previewRegisterImport(admin, { name: "bad.csv", data: bytes(bad) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.issues.map((i) => translate("zh", i.key, { ...i.params, line: i.line ?? "", column: i.column ?? "" }));
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("第 2 行「房号」"),
        expect.stringContaining("第 3 行「空置」"),
        expect.stringMatching(/第 5 行.*第 4 行/),
      ]),
    );
    expect(await registerCounts(countyId)).toEqual(before);
  });

  it("rejects files that are not spreadsheets", async () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    const result = await previewRegisterImport(admin, { name: "photo.jpg", data: garbage });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(translate("zh", result.issues[0].key, result.issues[0].params)).toContain("无法读取");
  });

  it("imports an XLSX file", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("登记");
    sheet.addRow(HEADER.split(","));
    sheet.addRow(["城关街道", "东门社区", "锦绣花园", "5号楼", "1单元", 501, "否", "", "", "", ""]);
    const data = new Uint8Array(await workbook.xlsx.writeBuffer());
    const result = await previewRegisterImport(admin, { name: "register.xlsx", data });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.sample[0]).toMatchObject({ building: "5号楼", room: "501" });
    expect(result.summary).toMatchObject({ householdsCreated: 1, placesCreated: { building: 1, stairwell: 1 } });
  });

  it("refuses rows outside the importing user's scope", async () => {
    const dongmen = await placeId(countyId, "城关街道", "东门社区");
    await createUser(countyId, {
      username: "dongmen",
      displayName: "东门社区",
      phone: null,
      role: "community_staff",
      scope: { placeId: dongmen },
      password: "secret123",
    });
    const staff = await signedIn("dongmen", "secret123");
    const result = await previewRegisterImport(staff, { name: "small.csv", data: bytes(SMALL) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(translate("zh", result.issues[0].key, { ...result.issues[0].params, line: result.issues[0].line! })).toBe(
      "第 5 行：不在您的管辖范围（城关街道 / 东门社区）内。",
    );
  });

  it("imports the whole demo register (~20,000 households) from CSV in one go", async () => {
    const county = await createCounty("demo2", "演示县");
    await createUser(county.id, {
      username: "admin2",
      displayName: "管理员",
      phone: null,
      role: "admin",
      scope: { placeId: county.rootPlaceId },
      password: "secret123",
    });
    const user = await signedIn("admin2", "secret123");
    const rows = generateDemoRegister();
    const started = Date.now();
    const preview = await previewRegisterImport(user, { name: "demo.csv", data: bytes(registerToCsv(rows)) });
    if (!preview.ok) throw new Error(JSON.stringify(preview.issues.slice(0, 5)));
    const applied = await confirmRegisterImport(user, preview.importId, null);
    expect(applied).toMatchObject({ ok: true, summary: { householdsCreated: rows.length } });
    expect((await registerCounts(county.id)).households).toBe(rows.length);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
