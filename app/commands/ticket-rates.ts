import { parseArgs } from "node:util";
import { TICKET_RATE_GROUPS, TICKET_RATES, ticketUnitJson } from "~/domain/ticket-rates";
import { table } from "~/utils/terminal";

export const usage =
  "ticket-rates --by <department|category|street|community|month> [--county <code>] [--json]\n" +
  "                          print the 12345 rates per unit (办结率, 按时办结率, 联系率, 满意率 before and after\n" +
  "                          callbacks, 解决率, follow-ups open and overdue), each with n and its 95% interval";

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { by: { type: "string", default: "department" }, county: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const by = TICKET_RATE_GROUPS.find((g) => g === values.by);
  if (!by) {
    console.error(`unknown --by ${values.by}\nusage: npm run cli -- ${usage}`);
    return 2;
  }
  const { countyScope } = await import("~/models/rates.server");
  const { ticketRates } = await import("~/models/ticket-rates.server");
  const { translator } = await import("~/i18n");
  const scope = await countyScope(values.county ?? null);
  if (!scope) {
    console.error(values.county ? `no county ${values.county}` : "several counties: choose one with --county <code>");
    return 2;
  }
  const t = translator("zh");
  const units = await ticketRates(scope.countyId, by, t("ticketRates.noName"));
  if (values.json) {
    console.log(JSON.stringify({ units: units.map(ticketUnitJson) }));
    return 0;
  }
  const pct = (x: number | null) => (x === null ? "—" : (x * 100).toFixed(1));
  const header = [
    t(`ticketRates.by.${by}`),
    t("ticketRates.col.tickets"),
    ...TICKET_RATES.map((r) => `${t(`ticketRates.rate.${r}`)} %（95% 区间）n`),
    t("ticketRates.col.followUpsOpen"),
    t("ticketRates.col.followUpsOverdue"),
  ];
  const rows = units.map((u) => [
    u.name,
    String(u.tickets),
    ...TICKET_RATES.map((r) => {
      const c = u[r];
      return c.rate === null ? "— n=0" : `${pct(c.rate)}（${pct(c.lower)}–${pct(c.upper)}）n=${c.n}`;
    }),
    String(u.followUpsOpen),
    String(u.followUpsOverdue),
  ]);
  console.log(table(header, rows));
  return 0;
}
