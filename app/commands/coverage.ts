import { parseArgs } from "node:util";
import { table } from "~/utils/terminal";

export const usage =
  "coverage --round <code> --level <level> [--county <code>] [--json]\n" +
  "                          door-to-door coverage of a round (levels: county street community compound building\n" +
  '                          stairwell grid volunteer unit); --json prints { "units": [ … ] } as GET /api/coverage does';

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      round: { type: "string" },
      level: { type: "string", default: "community" },
      county: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const { countyScope } = await import("~/models/rates.server");
  const { COVERAGE_LEVELS, coverage, roundByCode } = await import("~/models/visits.server");
  const level = values.level as (typeof COVERAGE_LEVELS)[number];
  if (!values.round || !(COVERAGE_LEVELS as readonly string[]).includes(level)) {
    console.error(`usage: npm run cli -- ${usage}`);
    return 2;
  }
  const scope = await countyScope(values.county ?? null);
  if (!scope) {
    console.error(values.county ? `no county ${values.county}` : "several counties: choose one with --county <code>");
    return 2;
  }
  const round = await roundByCode(scope.countyId, values.round);
  if (!round) {
    console.error(`no round ${values.round}`);
    return 2;
  }
  const { units } = await coverage(scope, round, level);
  if (values.json) {
    console.log(JSON.stringify({ round: round.code, level, units }, null, 2));
    return 0;
  }
  const pct = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);
  const header = ["", "单位", "住户", "应走访", "已走访", "不在家", "拒访", "空置", "无法联系", "未走访", "覆盖率"];
  const rows = units.map((u, i) => [
    String(i + 1),
    u.name,
    ...[u.households, u.toReach, u.reached, u.notHome, u.refused, u.vacant, u.unreachable, u.pending].map(String),
    pct(u.coverage.rate),
  ]);
  console.log(`${round.name}（${round.code}）：覆盖率 = 已走访 ÷（应走访 − 走访确认空置），全部住户的普查，不是抽样。`);
  console.log(table(header, rows));
  return 0;
}
