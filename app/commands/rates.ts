import { parseArgs } from "node:util";
import { table } from "~/utils/terminal";

export const usage =
  "rates --measure <m> --level <level> [--campaign <code>] [--county <code>] [--min-n 30]\n" +
  "      [--from 2026-W40] [--to 2026-W47] [--json] [--check] [--rebuild]\n" +
  "                          print a rate table (measures: satisfaction awareness support participation score;\n" +
  "                          levels: county street community compound building grid unit); --check compares\n" +
  "                          the tallies with a direct count of the responses, --rebuild recounts them";

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      measure: { type: "string", default: "satisfaction" },
      level: { type: "string", default: "community" },
      campaign: { type: "string" },
      county: { type: "string" },
      "min-n": { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      json: { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      rebuild: { type: "boolean", default: false },
    },
  });
  const { parseRateParams } = await import("~/domain/rate-params");
  const { formulaLines } = await import("~/components/rate-figure");
  const { translator } = await import("~/i18n");
  const rates = await import("~/models/rates.server");

  const search = new URLSearchParams();
  for (const [key, value] of [
    ["measure", values.measure],
    ["level", values.level],
    ["minN", values["min-n"]],
    ["from", values.from],
    ["to", values.to],
  ]) {
    if (value) search.set(key!, value);
  }
  const params = parseRateParams(search);
  if (params.measure !== values.measure || (values.level && params.level !== values.level)) {
    console.error(`unknown measure or level\nusage: npm run cli -- ${usage}`);
    return 2;
  }
  const scope = await rates.countyScope(values.county ?? null);
  if (!scope) {
    console.error(values.county ? `no county ${values.county}` : "several counties: choose one with --county <code>");
    return 2;
  }
  const { chooseCampaign } = await import("~/domain/rate-engine");
  const { campaign, measure, unavailableMeasure } = chooseCampaign(await rates.listRateCampaigns(scope), {
    campaign: values.campaign ?? null,
    measure: params.measure,
  });
  if (!campaign || !measure) {
    console.error(values.campaign ? `no campaign ${values.campaign}` : "no campaign yet");
    return 2;
  }
  if (values.rebuild) {
    await rates.rebuildTallies(campaign.id);
    console.error(`tallies of ${campaign.code} recounted`);
  }
  if (values.check) {
    const differences = await rates.tallyDifferences(campaign.id);
    console.log(
      differences === 0
        ? `tallies of ${campaign.code} match the responses`
        : `${differences} tally rows differ from the responses (run with --rebuild)`,
    );
    return differences === 0 ? 0 : 1;
  }
  if (unavailableMeasure) {
    console.error(`campaign ${campaign.code} has no ${params.measure} questions; it has: ${campaign.measures.join(", ")}`);
    return 2;
  }
  const rateTable = await rates.rateTable(scope, {
    campaign,
    measure,
    level: params.level,
    range: { from: params.from, to: params.to },
    minN: params.minN,
  });
  if (values.json) {
    console.log(
      JSON.stringify(
        { campaign: campaign.code, measure, level: rateTable.level, minN: params.minN, total: rateTable.total, units: rateTable.units },
        null,
        2,
      ),
    );
    return 0;
  }
  const t = translator("zh");
  const value = (x: number | null) => (x === null ? "—" : (x * 100).toFixed(1));
  const header = [
    "#",
    t(`rates.level.${rateTable.level}`),
    "加权",
    "95% 区间",
    "有效样本量",
    "未加权",
    "95% 区间",
    "有效样本量(未加权)",
    "正向/有效",
    "排除",
    "未答",
    "答卷",
    "住户",
  ];
  const rows = [rateTable.total, ...[...rateTable.units].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity))].map((u, i) => {
    const f = u.figure;
    return [
      i === 0 ? "" : u.rank === null ? "·" : String(u.rank),
      i === 0 ? `${u.name}（${t("rates.total")}）` : u.name,
      value(f.weighted.rate),
      f.weighted.rate === null ? "" : `${value(f.weighted.lower)}–${value(f.weighted.upper)}`,
      f.weighted.n.toFixed(1),
      value(f.plain.rate),
      f.plain.rate === null ? "" : `${value(f.plain.lower)}–${value(f.plain.upper)}`,
      f.plain.n.toFixed(1),
      `${Math.round(f.counts.successes)}/${Math.round(f.counts.trials)}`,
      String(f.counts.excluded),
      String(f.counts.noAnswer),
      String(u.responses),
      String(u.households),
    ];
  });
  console.log(`${campaign.name}（${campaign.code}）`);
  for (const line of formulaLines(t, rateTable.formula, params.minN)) console.log(`  ${line}`);
  console.log("");
  console.log(table(header, rows));
  console.log(`\n· = 加权率的有效样本量 < ${params.minN}：样本不足，不排名`);
  return 0;
}
