// How a figure is shown everywhere: the rate, its 95% interval and n together, greyed when n is
// under the minimum; and beside it the formula (numerator, denominator, exclusions).
import type { Estimate, Figure, Formula, ReportMeasure, Status } from "~/domain/measures";
import { excludedAnswers, positiveGroups, shownChange, shownPercent } from "~/domain/measures";
import type { ProportionComparison } from "~/domain/stats";
import type { Translate } from "~/i18n";
import { useT } from "~/i18n/use-t";

/** 86.3% for a rate, 86.3 for a score (points out of 100); "—" without a value. */
export function formatValue(measure: ReportMeasure, value: number | null): string {
  if (value === null) return "—";
  const shown = shownPercent(value).toFixed(1);
  return measure === "score" ? shown : `${shown}%`;
}

const signed = (points: number) => `${points > 0 ? "+" : points < 0 ? "−" : "±"}${Math.abs(points).toFixed(1)}`;

/**
 * The change from `previous` to `current` as printed: the difference of the two printed rates (so
 * the three numbers on a row always add up), with the interval and P of the two-proportion test.
 */
export function ChangeCell({
  measure,
  current,
  previous,
  comparison,
  census,
}: {
  measure: ReportMeasure;
  current: Estimate;
  previous: Estimate;
  comparison: ProportionComparison | null;
  /** Two censuses: the difference is exact, no interval or test to show. */
  census?: boolean;
}) {
  const t = useT();
  if (!comparison || current.rate === null || previous.rate === null) return <span className="muted">—</span>;
  const d = shownChange(current.rate, previous.rate);
  if (census)
    return (
      <span className={d > 0 ? "estimate change up" : d < 0 ? "estimate change down" : "estimate change"} data-testid="change">
        <b>{t("rates.diffPp", { d: signed(d) })}</b>
        <span className="n">{t("rates.censusChange")}</span>
      </span>
    );
  const p = comparison.pValue < 0.001 ? "< 0.001" : comparison.pValue.toFixed(3);
  return (
    <span className={d > 0 ? "estimate change up" : d < 0 ? "estimate change down" : "estimate change"} data-testid="change">
      <b>{t(measure === "score" ? "rates.diffPoints" : "rates.diffPp", { d: signed(d) })}</b>
      <span className="ci">{`${signed(shownPercent(comparison.lower))} – ${signed(shownPercent(comparison.upper))}`}</span>
      <span className={comparison.pValue < 0.05 ? "n significant" : "n"}>
        {t(comparison.pValue < 0.05 ? "rates.significantP" : "rates.pValue", { p })}
      </span>
    </span>
  );
}

export function formatInterval(measure: ReportMeasure, e: { lower: number; upper: number }): string {
  const unit = measure === "score" ? "" : "%";
  return `${shownPercent(e.lower).toFixed(1)}–${shownPercent(e.upper).toFixed(1)}${unit}`;
}

/** An effective sample size: one decimal below 100, whole above. */
export const formatN = (n: number) => (n >= 100 ? Math.round(n).toLocaleString() : n.toFixed(n % 1 === 0 ? 0 : 1));

/** A rate with its interval and effective n, e.g. "86.3%  82.1–89.9%  有效样本量 196". */
export function EstimateCell({
  measure,
  estimate,
  greyed,
  testId,
  census,
}: {
  measure: ReportMeasure;
  estimate: Estimate;
  greyed?: boolean;
  testId?: string;
  /** A census (coverage): the counts instead of an interval. */
  census?: { successes: number; n: number };
}) {
  const t = useT();
  return (
    <span className={greyed ? "estimate greyed" : "estimate"} data-testid={testId} title={greyed ? t("rates.belowMinimumHint") : undefined}>
      <b>{formatValue(measure, estimate.rate)}</b>
      {census && estimate.rate !== null && (
        <span className="n">{t("rates.householdsOf", { reached: census.successes.toLocaleString(), n: census.n.toLocaleString() })}</span>
      )}
      {!census && estimate.rate !== null && (
        <>
          <span className="ci">{formatInterval(measure, estimate)}</span>
          <span className="n">{t("rates.nEff", { n: formatN(estimate.n) })}</span>
        </>
      )}
    </span>
  );
}

export function StatusBadge({ status }: { status: Status | null }) {
  const t = useT();
  if (!status) return <span className="status grey">{t("rates.status.none")}</span>;
  return <span className={`status ${status}`}>{t(`rates.status.${status}`)}</span>;
}

/** The headline of a unit: weighted figure large, the plain one and the counts beside it. */
export function FigureSummary({
  measure,
  figure,
  label,
  responses,
}: {
  measure: ReportMeasure;
  figure: Figure;
  label: string;
  responses: number;
}) {
  const t = useT();
  const { counts } = figure;
  return (
    <div className={figure.belowMinimum ? "figure-summary greyed" : "figure-summary"} data-testid="figure-summary">
      <div className="figure-main">
        <span className="muted">{label}</span>
        <b>{formatValue(measure, figure.weighted.rate)}</b>
        {figure.weighted.rate !== null && (
          <span className="muted">
            {t("rates.interval", { interval: formatInterval(measure, figure.weighted) })} ·{" "}
            {t("rates.nEff", { n: formatN(figure.weighted.n) })} · {t("rates.respondents", { n: responses.toLocaleString() })}
          </span>
        )}
      </div>
      <dl className="figure-facts">
        <div>
          <dt>{t("rates.plain")}</dt>
          <dd>
            <EstimateCell measure={measure} estimate={figure.plain} />
          </dd>
        </div>
        <div>
          <dt>{measure === "score" ? t("rates.pointsOverWeights") : t("rates.positiveOverValid")}</dt>
          <dd>
            {measure === "score"
              ? `${formatN(counts.successes * 100)} / ${formatN(counts.trials)}`
              : `${counts.successes.toLocaleString()} / ${counts.trials.toLocaleString()}`}
          </dd>
        </div>
        <div>
          <dt>{t("rates.excludedNoAnswer")}</dt>
          <dd>
            {counts.excluded.toLocaleString()} / {counts.noAnswer.toLocaleString()}
          </dd>
        </div>
        <div>
          <dt>{t("rates.coverage")}</dt>
          <dd>{figure.coverage === null ? "—" : `${(figure.coverage * 100).toFixed(0)}%`}</dd>
        </div>
      </dl>
      {figure.belowMinimum && <p className="muted">{t("rates.belowMinimumHint")}</p>}
    </div>
  );
}

/**
 * The measure's definition as lines of text: first the formula, then what counts as positive (or
 * the points), the weights, what is left out, the interval and the weighting. Shared by the pages
 * and the spreadsheet exports.
 */
export function formulaLines(t: Translate, formula: Formula, minN: number): string[] {
  const measure = formula.measure;
  if (measure === "coverage")
    return [
      `${t("rates.measure.coverage")} = ${t("rates.formula.coverage")}`,
      t("rates.formula.census", { minN }),
      t("rates.formula.asOfWeek"),
    ];
  if (measure === "refusal")
    return [
      `${t("rates.measure.refusal")} = ${t("rates.formula.refusal")}`,
      t("rates.formula.censusRefusal", { minN }),
      t("rates.formula.asOfWeekRefusal"),
    ];
  const list = (answers: string[]) => answers.join(t("rates.listSeparator"));
  const excluded = excludedAnswers(formula);
  const groups = positiveGroups(formula);
  return [
    `${t(`rates.measure.${measure}`)} = ${t(`rates.formula.${measure === "score" ? "score" : "rate"}`)}`,
    ...(groups.length === 0
      ? [t("rates.formula.noQuestions")]
      : groups.map((g) =>
          t(measure === "score" ? "rates.formula.points" : "rates.formula.positive", { answers: list(g.answers), n: g.questions }),
        )),
    ...(measure === "score"
      ? [t("rates.formula.weights", { weights: list(formula.questions.map((q) => `${q.title} ×${q.weight}`)) })]
      : []),
    t("rates.formula.excluded", { answers: excluded.length ? list(excluded) + t("rates.listSeparator") : "" }),
    t("rates.formula.interval", { minN }),
    t("rates.formula.weighted"),
  ];
}

/** The measure's definition beside a figure; collapsed, the summary line still states the formula. */
export function RateFormula({ formula, minN, collapsed }: { formula: Formula; minN: number; collapsed?: boolean }) {
  const t = useT();
  const [headline, ...details] = formulaLines(t, formula, minN);
  const list = (
    <ul>
      {details.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
  return collapsed ? (
    <details className="formula" data-testid="rate-formula">
      <summary>{headline}</summary>
      {list}
    </details>
  ) : (
    <div className="formula" data-testid="rate-formula">
      <p>{headline}</p>
      {list}
    </div>
  );
}
