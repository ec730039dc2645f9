import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { DEMO_COUNTY, generateDemoRegister, registerToCsv } from "../../db/seed/demo-county";
import type { RegisterRow } from "~/domain/register-import";

const rows = generateDemoRegister();

const key = (...parts: (string | null)[]) => parts.map((p) => p ?? "").join("\u0000");
const buildingKey = (r: RegisterRow) => key(r.street, r.community, r.compound, r.building);
const distinct = (f: (r: RegisterRow) => string, rs: RegisterRow[] = rows) => new Set(rs.map(f)).size;

describe("demo county register", () => {
  it("names a fictional county", () => {
    expect(DEMO_COUNTY.code).toBe("demo");
    expect(DEMO_COUNTY.name).toMatch(/^\p{Script=Han}{1,4}县$/u);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    expect(generateDemoRegister()).toEqual(rows);
    expect(generateDemoRegister(7)).toEqual(generateDemoRegister(7));
    expect(generateDemoRegister(7)).not.toEqual(rows);
  });

  it("is fast", () => {
    const start = performance.now();
    generateDemoRegister(123);
    expect(performance.now() - start).toBeLessThan(200);
  });

  it("has the expected shape and size", () => {
    expect(distinct((r) => r.street)).toBe(2);
    expect(distinct((r) => key(r.street, r.community))).toBe(7);
    const perStreet = new Map<string, Set<string>>();
    for (const r of rows) perStreet.set(r.street, (perStreet.get(r.street) ?? new Set()).add(r.community));
    expect([...perStreet.values()].map((s) => s.size).sort()).toEqual([3, 4]);
    for (const s of perStreet.keys()) expect(s).toMatch(/街道$/);
    for (const c of new Set(rows.map((r) => r.community))) expect(c).toMatch(/社区$/);

    const compounds = distinct((r) => key(r.community, r.compound));
    expect(compounds).toBeGreaterThanOrEqual(35);
    expect(compounds).toBeLessThanOrEqual(45);
    const buildings = distinct(buildingKey);
    expect(buildings).toBeGreaterThanOrEqual(350);
    expect(buildings).toBeLessThanOrEqual(450);
    expect(rows.length).toBeGreaterThanOrEqual(19_000);
    expect(rows.length).toBeLessThanOrEqual(21_000);
  });

  it("gives each community 5–7 compounds and each compound 4–16 numbered buildings", () => {
    const compoundsOf = new Map<string, Set<string>>();
    const buildingsOf = new Map<string, Set<string>>();
    for (const r of rows) {
      compoundsOf.set(r.community, (compoundsOf.get(r.community) ?? new Set()).add(r.compound));
      const ck = key(r.community, r.compound);
      buildingsOf.set(ck, (buildingsOf.get(ck) ?? new Set()).add(r.building));
    }
    for (const set of compoundsOf.values()) {
      expect(set.size).toBeGreaterThanOrEqual(5);
      expect(set.size).toBeLessThanOrEqual(7);
    }
    for (const set of buildingsOf.values()) {
      expect(set.size).toBeGreaterThanOrEqual(4);
      expect(set.size).toBeLessThanOrEqual(16);
      expect([...set]).toEqual(Array.from({ length: set.size }, (_, i) => `${i + 1}号楼`));
    }
  });

  it("uses plausible stairwells and room numbers", () => {
    expect(rows.filter((r) => r.stairwell !== null && !/^[1-3]单元$/.test(r.stairwell))).toEqual([]);
    expect(rows.filter((r) => !/^([1-9]|1[0-8])0[1-4]$/.test(r.room))).toEqual([]);
    // Some buildings have a single stairwell (null), others several.
    expect(rows.some((r) => r.stairwell === null)).toBe(true);
    expect(rows.some((r) => r.stairwell === "3单元")).toBe(true);
    // A building either has no stairwells or only named ones.
    const kinds = new Map<string, Set<boolean>>();
    for (const r of rows) kinds.set(buildingKey(r), (kinds.get(buildingKey(r)) ?? new Set()).add(r.stairwell === null));
    for (const k of kinds.values()) expect(k.size).toBe(1);
  });

  it("has no duplicate household", () => {
    expect(distinct((r) => key(buildingKey(r), r.stairwell, r.room))).toBe(rows.length);
  });

  it("numbers lines from 2, one per row", () => {
    expect(rows.filter((r, i) => r.line !== i + 2)).toEqual([]);
  });

  it("leaves about 3 % vacant", () => {
    const share = rows.filter((r) => r.vacant).length / rows.length;
    expect(share).toBeGreaterThanOrEqual(0.02);
    expect(share).toBeLessThanOrEqual(0.04);
  });

  it("puts each building in exactly one grid of its own community, with identical grid details", () => {
    const gridOfBuilding = new Map<string, Set<string | null>>();
    const communityOfGrid = new Map<string, Set<string>>();
    const detailsOfGrid = new Map<string, Set<string>>();
    expect(rows.filter((r) => !r.grid || !r.gridLeader)).toEqual([]);
    expect(rows.filter((r) => !/^199\d{8}$/.test(r.gridLeaderPhone ?? ""))).toEqual([]);
    expect(rows.filter((r) => !/^县.+(局|委|办)$/.test(r.gridUnit ?? ""))).toEqual([]);
    for (const r of rows) {
      gridOfBuilding.set(buildingKey(r), (gridOfBuilding.get(buildingKey(r)) ?? new Set()).add(r.grid));
      const g = r.grid!;
      communityOfGrid.set(g, (communityOfGrid.get(g) ?? new Set()).add(key(r.street, r.community)));
      detailsOfGrid.set(g, (detailsOfGrid.get(g) ?? new Set()).add(key(r.gridLeader, r.gridLeaderPhone, r.gridUnit)));
    }
    for (const grids of gridOfBuilding.values()) expect(grids.size).toBe(1);
    for (const communities of communityOfGrid.values()) expect(communities.size).toBe(1);
    for (const details of detailsOfGrid.values()) expect(details.size).toBe(1);

    // 3–6 grids per community, named after it, each a run of consecutive buildings.
    const gridsOfCommunity = new Map<string, string[]>();
    let previous: string | null = null;
    for (const r of rows) {
      if (r.grid === previous) continue;
      const list = gridsOfCommunity.get(r.community) ?? [];
      expect(list).not.toContain(r.grid); // a grid, once left, is never re-entered
      list.push(r.grid!);
      gridsOfCommunity.set(r.community, list);
      previous = r.grid;
    }
    for (const [community, grids] of gridsOfCommunity) {
      expect(grids.length).toBeGreaterThanOrEqual(3);
      expect(grids.length).toBeLessThanOrEqual(6);
      expect(grids).toEqual(grids.map((_, i) => `${community}第${i + 1}网格`));
    }

    // Leaders and phones are not shared between grids (phones become unique user phones).
    const leaders = [...detailsOfGrid.values()].map((s) => [...s][0].split("\u0000"));
    expect(new Set(leaders.map((l) => l[0])).size).toBe(leaders.length);
    expect(new Set(leaders.map((l) => l[1])).size).toBe(leaders.length);
  });

  it("stays within bounds for other seeds", () => {
    for (const seed of [1, 2, 3, 42, 2024, 99999]) {
      const rs = generateDemoRegister(seed);
      expect(rs.length).toBeGreaterThanOrEqual(19_000);
      expect(rs.length).toBeLessThanOrEqual(21_000);
      const b = distinct(buildingKey, rs);
      expect(b).toBeGreaterThanOrEqual(350);
      expect(b).toBeLessThanOrEqual(450);
      expect(distinct((r) => key(buildingKey(r), r.stairwell, r.room), rs)).toBe(rs.length);
    }
  });
});

describe("registerToCsv", () => {
  const header = "街道,社区,小区,楼栋,单元,房号,空置,网格,网格长,网格长电话,责任单位";

  it("writes the header and one line per row, round-tripping through a CSV parser", () => {
    const csv = registerToCsv(rows);
    expect(csv.startsWith(header + "\r\n")).toBe(true);
    const parsed = Papa.parse<string[]>(csv, { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data[0].join(",")).toBe(header);
    expect(parsed.data.length - 1).toBe(rows.length);
    const back = parsed.data.slice(1).map((f, i) => ({
      line: i + 2,
      street: f[0],
      community: f[1],
      compound: f[2],
      building: f[3],
      stairwell: f[4] || null,
      room: f[5],
      vacant: f[6] === "是",
      grid: f[7] || null,
      gridLeader: f[8] || null,
      gridLeaderPhone: f[9] || null,
      gridUnit: f[10] || null,
    }));
    expect(back).toEqual(rows);
    expect(new Set(parsed.data.slice(1).map((f) => f[6]))).toEqual(new Set(["是", "否"]));
  });

  it("quotes fields that need it and can add a BOM", () => {
    const row: RegisterRow = {
      ...rows[0],
      compound: '名称,带"引号"',
      stairwell: null,
      gridUnit: "多行\n单位",
    };
    const csv = registerToCsv([row], { bom: true });
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain(',"名称,带""引号""",');
    const parsed = Papa.parse<string[]>(csv.slice(1), { skipEmptyLines: true });
    expect(parsed.data[1][2]).toBe('名称,带"引号"');
    expect(parsed.data[1][4]).toBe("");
    expect(parsed.data[1][10]).toBe("多行\n单位");
    expect(registerToCsv([])).toBe(header + "\r\n");
  });
});
