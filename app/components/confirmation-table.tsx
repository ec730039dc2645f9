// The confirmation rate of spot checks (抽查核实率) per volunteer or per community: the counts, and
// the rate confirmed ÷ (confirmed + not confirmed) with its 95% interval and n, the way every
// rate of the platform is shown.
import { DataTable } from "~/components/data-table";
import { formatInterval, formatValue } from "~/components/rate-figure";
import type { ConfirmationTally } from "~/domain/spot-checks";
import { useT } from "~/i18n/use-t";

export function ConfirmationRate({ tally }: { tally: ConfirmationTally }) {
  const t = useT();
  const { rate } = tally;
  // Formatted as every percentage rate is (a rate measure key gives "86.3%" and "82.1–89.9%").
  return (
    <span className="estimate">
      <b>{formatValue("satisfaction", rate.rate)}</b>
      {rate.rate !== null && (
        <>
          <span className="ci">{formatInterval("satisfaction", rate)}</span>
          <span className="n">{t("spotChecks.n", { n: rate.n })}</span>
        </>
      )}
    </span>
  );
}

export function ConfirmationTable({
  rows,
  label,
  testId,
}: {
  rows: ({ id: number; name: string } & ConfirmationTally)[];
  label: string;
  testId: string;
}) {
  const t = useT();
  return (
    <DataTable
      testId={testId}
      columns={[
        label,
        { num: t("spotChecks.result.confirmed") },
        { num: t("spotChecks.result.notConfirmed") },
        { num: t("spotChecks.result.couldNotCheck") },
        { num: t("spotChecks.state.unchecked") },
        { num: t("spotChecks.col.rate") },
      ]}
      rows={rows}
      row={(r) => (
        <tr key={r.id}>
          <td>{r.name}</td>
          <td className="num">{r.confirmed}</td>
          <td className="num">{r.notConfirmed}</td>
          <td className="num">{r.couldNotCheck}</td>
          <td className="num">{r.unchecked}</td>
          <td className="num">
            <ConfirmationRate tally={r} />
          </td>
        </tr>
      )}
      empty={<p className="muted">{t("spotChecks.noResults")}</p>}
    />
  );
}
