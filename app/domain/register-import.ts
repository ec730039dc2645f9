// Validation of an uploaded place register (one row per household). Pure: the route reads the file
// with readTable and the import runs only when `issues` is empty.
import type { HouseholdAddress } from "~/domain/places";
import { normalizeText } from "~/domain/text";
import type { Table } from "~/utils/tabular.server";

export type RegisterRow = HouseholdAddress & {
  line: number;
  vacant: boolean;
  grid: string | null;
  gridLeader: string | null;
  gridLeaderPhone: string | null;
  gridUnit: string | null;
};

export type ImportIssue = {
  line: number | null;
  column: string | null;
  key: string;
  params: Record<string, string | number>;
};

type Field = Exclude<keyof RegisterRow, "line">;
type GridInfoField = "gridLeader" | "gridLeaderPhone" | "gridUnit";
type GridSeen = {
  street: string;
  community: string;
  line: number;
  info: { [F in GridInfoField]?: { value: string; line: number } };
};

/** Column order of the downloadable template; `name` is the Chinese header, `alias` the accepted English one. */
export const REGISTER_COLUMNS: readonly { field: Field; name: string; alias: string; required: boolean }[] = [
  { field: "street", name: "街道", alias: "street", required: true },
  { field: "community", name: "社区", alias: "community", required: true },
  { field: "compound", name: "小区", alias: "compound", required: true },
  { field: "building", name: "楼栋", alias: "building", required: true },
  { field: "stairwell", name: "单元", alias: "stairwell", required: false },
  { field: "room", name: "房号", alias: "room", required: true },
  { field: "vacant", name: "空置", alias: "vacant", required: false },
  { field: "grid", name: "网格", alias: "grid", required: false },
  { field: "gridLeader", name: "网格长", alias: "grid leader", required: false },
  { field: "gridLeaderPhone", name: "网格长电话", alias: "grid leader phone", required: false },
  { field: "gridUnit", name: "责任单位", alias: "responsible unit", required: false },
];

const MAX_LENGTH = 100;
const GRID_INFO_FIELDS: GridInfoField[] = ["gridLeader", "gridLeaderPhone", "gridUnit"];
const VACANT_VALUES: Record<string, boolean> = {
  "": false,
  是: true,
  否: false,
  空: true,
  y: true,
  n: false,
  "1": true,
  "0": false,
  true: true,
  false: false,
};
const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0\d{2,3}-?\d{7,8}(-\d{1,6})?$/;

/** The natural key of a household: re-importing a register updates rather than duplicates. */
export function householdKey(r: RegisterRow): string {
  return JSON.stringify([r.street, r.community, r.compound, r.building, r.stairwell ?? "", r.room]);
}

function buildingKey(r: RegisterRow): string {
  return JSON.stringify([r.street, r.community, r.compound, r.building]);
}

function headerKey(header: string): string {
  return normalizeText(header)
    .replace(/\s*[(（]\s*(可选|optional)\s*[)）]$/i, "")
    .toLowerCase();
}

/** Mobiles are stored as 11 bare digits; landlines as typed, minus spaces. */
function normalizePhone(value: string): string | null {
  const compact = value.replace(/\s/g, "").replace(/[－—–]/g, "-");
  const mobile = compact.replace(/-/g, "").replace(/^\+?86/, "");
  if (MOBILE.test(mobile)) return mobile;
  return LANDLINE.test(compact) ? compact : null;
}

export function parseRegister(table: Table): { rows: RegisterRow[]; issues: ImportIssue[] } {
  const issues: ImportIssue[] = [];
  const columnIndex = new Map<Field, number>();
  table.headers.forEach((header, index) => {
    const key = headerKey(header);
    const column = REGISTER_COLUMNS.find((c) => c.name === key || c.alias === key);
    if (!column) {
      issues.push({
        line: null,
        column: header,
        key: "import.register.unknownColumn",
        params: { column: header },
      });
      return;
    }
    const earlier = columnIndex.get(column.field);
    if (earlier !== undefined) {
      const other = table.headers[earlier];
      issues.push({
        line: null,
        column: header,
        key: "import.register.duplicateColumn",
        params: { column: header, other },
      });
      return;
    }
    columnIndex.set(column.field, index);
  });
  for (const column of REGISTER_COLUMNS) {
    if (column.required && !columnIndex.has(column.field)) {
      issues.push({
        line: null,
        column: column.name,
        key: "import.register.missingColumn",
        params: { column: column.name, alias: column.alias },
      });
    }
  }
  if (!columnIndex.has("grid")) {
    // Without a grid column every row would repeat the same complaint; say it once.
    for (const field of GRID_INFO_FIELDS) {
      const index = columnIndex.get(field);
      if (index === undefined) continue;
      const column = table.headers[index];
      issues.push({ line: null, column, key: "import.register.gridColumnMissing", params: { column } });
    }
  }
  if (issues.some((i) => i.key === "import.register.missingColumn" || i.key === "import.register.gridColumnMissing")) {
    return { rows: [], issues };
  }
  if (table.rows.length === 0) {
    issues.push({ line: null, column: null, key: "import.register.noRows", params: {} });
    return { rows: [], issues };
  }

  // Only called for fields whose cell is non-empty or required, so the column is present.
  const header = (field: Field) => table.headers[columnIndex.get(field)!];
  const rows: RegisterRow[] = [];
  const households = new Map<string, number>();
  // Grids are identified by name across the county (as stored), and each belongs to one community.
  const grids = new Map<string, GridSeen>();
  const buildings = new Map<string, { grid: string; line: number }>();
  // A conflict is reported on the first row showing it, not on every row that repeats it.
  const reported = new Set<string>();
  const reportOnce = (signature: unknown[], issue: ImportIssue) => {
    const key = JSON.stringify([issue.key, ...signature]);
    if (reported.has(key)) return;
    reported.add(key);
    issues.push(issue);
  };

  for (const { line, cells } of table.rows) {
    const rowIssues: ImportIssue[] = [];
    const cell = (field: Field): string => {
      const index = columnIndex.get(field);
      return index === undefined ? "" : normalizeText(cells[index] ?? "");
    };
    const issue = (field: Field, key: string, params: Record<string, string | number> = {}) => {
      const column = header(field);
      rowIssues.push({ line, column, key, params: { line, column, ...params } });
    };

    const values = {} as Record<Field, string>;
    for (const { field, required } of REGISTER_COLUMNS) {
      const value = cell(field);
      values[field] = value;
      if (required && value === "") issue(field, "import.register.required");
      else if ([...value].length > MAX_LENGTH) issue(field, "import.register.tooLong", { max: MAX_LENGTH });
    }
    const vacant = VACANT_VALUES[values.vacant.toLowerCase()];
    if (vacant === undefined) issue("vacant", "import.register.badVacant", { value: values.vacant });
    let phone: string | null = null;
    if (values.gridLeaderPhone !== "") {
      phone = normalizePhone(values.gridLeaderPhone);
      if (phone === null) issue("gridLeaderPhone", "import.register.badPhone", { value: values.gridLeaderPhone });
    }
    if (values.grid === "" && GRID_INFO_FIELDS.some((f) => values[f] !== "")) {
      issue("grid", "import.register.gridInfoWithoutGrid");
    }
    if (rowIssues.length > 0) {
      issues.push(...rowIssues);
      continue;
    }

    const row: RegisterRow = {
      line,
      street: values.street,
      community: values.community,
      compound: values.compound,
      building: values.building,
      stairwell: values.stairwell || null,
      room: values.room,
      vacant: vacant!,
      grid: values.grid || null,
      gridLeader: values.gridLeader || null,
      gridLeaderPhone: phone,
      gridUnit: values.gridUnit || null,
    };

    const firstLine = households.get(householdKey(row));
    if (firstLine !== undefined) {
      issues.push({
        line,
        column: null,
        key: "import.register.duplicateHousehold",
        params: { line, firstLine },
      });
      continue;
    }
    households.set(householdKey(row), line);
    rows.push(row);
    if (row.grid === null) continue;

    const grid = row.grid;
    let seen = grids.get(grid);
    if (!seen) {
      seen = { street: row.street, community: row.community, line, info: {} };
      grids.set(grid, seen);
    } else if (seen.street !== row.street || seen.community !== row.community) {
      reportOnce([grid, row.street, row.community], {
        line,
        column: header("grid"),
        key: "import.register.gridInTwoCommunities",
        params: {
          line,
          grid,
          community: row.community,
          otherCommunity: seen.community,
          firstLine: seen.line,
        },
      });
    }
    for (const field of GRID_INFO_FIELDS) {
      const value = row[field];
      if (value === null) continue;
      const first = seen.info[field];
      if (!first) {
        seen.info[field] = { value, line };
        continue;
      }
      if (first.value === value) continue;
      const column = header(field);
      reportOnce([grid, field, value], {
        line,
        column,
        key: "import.register.gridConflict",
        params: { line, column, grid, value, firstValue: first.value, firstLine: first.line },
      });
    }

    const building = buildings.get(buildingKey(row));
    if (!building) {
      buildings.set(buildingKey(row), { grid, line });
    } else if (building.grid !== grid) {
      reportOnce([buildingKey(row), grid], {
        line,
        column: header("grid"),
        key: "import.register.buildingInTwoGrids",
        params: {
          line,
          compound: row.compound,
          building: row.building,
          grid,
          otherGrid: building.grid,
          firstLine: building.line,
        },
      });
    }
  }

  // A grid's leader, phone and unit may be filled in on one row only; every row of the grid gets them.
  for (const row of rows) {
    if (row.grid === null) continue;
    const { info } = grids.get(row.grid)!;
    for (const field of GRID_INFO_FIELDS) row[field] = info[field]?.value ?? null;
  }
  return { rows, issues };
}

/** What an import did (or, in a preview, would do) to the register. */
export type RegisterSummary = {
  rows: number;
  placesCreated: Record<"street" | "community" | "compound" | "building" | "stairwell", number>;
  householdsCreated: number;
  householdsUpdated: number;
  householdsUnchanged: number;
  gridsCreated: number;
  gridsUpdated: number;
  gridBuildingsChanged: number;
};

export function changeCount(s: RegisterSummary): number {
  return (
    Object.values(s.placesCreated).reduce((a, b) => a + b, 0) +
    s.householdsCreated +
    s.householdsUpdated +
    s.gridsCreated +
    s.gridsUpdated +
    s.gridBuildingsChanged
  );
}
