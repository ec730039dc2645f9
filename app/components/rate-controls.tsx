// The pieces of the GET forms on the rates, bulletin and planning pages. Plain form fields, so
// the pages work (and links can be shared) without JavaScript.
import { Link } from "@remix-run/react";
import type { MeasureKey, RateLevel, ReportMeasure } from "~/domain/measures";
import { isoWeekLabel, addWeeks } from "~/domain/measures";
import { useT } from "~/i18n/use-t";

/** What the forms need to know about a campaign. */
export type CampaignChoice = {
  code: string;
  name: string;
  surveyId: number;
  responses: number;
  measures: MeasureKey[];
  firstWeek: string | null;
  lastWeek: string | null;
};

export function toChoice(c: CampaignChoice): CampaignChoice {
  return {
    code: c.code,
    name: c.name,
    surveyId: c.surveyId,
    responses: c.responses,
    measures: c.measures,
    firstWeek: c.firstWeek,
    lastWeek: c.lastWeek,
  };
}

/** Every week from first to last, newest first. */
export function weeksOf(c: Pick<CampaignChoice, "firstWeek" | "lastWeek"> | null): string[] {
  if (!c?.firstWeek || !c.lastWeek) return [];
  const weeks: string[] = [];
  for (let w = c.lastWeek; w >= c.firstWeek; w = addWeeks(w, -1)) weeks.push(w);
  return weeks;
}

export function CampaignField({
  campaigns,
  value,
  name = "campaign",
  label,
}: {
  campaigns: CampaignChoice[];
  value: string | null;
  name?: string;
  label?: string;
}) {
  const t = useT();
  return (
    <label>
      {label ?? t("rates.field.campaign")}
      <select name={name} defaultValue={value ?? undefined}>
        {campaigns.map((c) => (
          <option key={c.code} value={c.code}>
            {t("rates.campaignOption", { name: c.name, n: c.responses.toLocaleString() })}
          </option>
        ))}
      </select>
    </label>
  );
}

export function MeasureField({ measures, value }: { measures: ReportMeasure[]; value: ReportMeasure }) {
  const t = useT();
  return (
    <label>
      {t("rates.field.measure")}
      <select name="measure" defaultValue={value}>
        {measures.map((m) => (
          <option key={m} value={m}>
            {t(`rates.measure.${m}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LevelField({ levels, value, label }: { levels: readonly RateLevel[]; value: RateLevel; label?: string }) {
  const t = useT();
  return (
    <label>
      {label ?? t("rates.field.level")}
      <select name="level" defaultValue={value}>
        {levels.map((l) => (
          <option key={l} value={l}>
            {t(`rates.level.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function MinNField({ value }: { value: number }) {
  const t = useT();
  return (
    <label>
      {t("rates.field.minN")}
      <input type="number" name="minN" min={1} max={10000} defaultValue={value} inputMode="numeric" />
    </label>
  );
}

/**
 * The target of the 红/黄/绿 rating, in percent (or points). With `measure`, the form also says
 * which measure the target was shown for (`targetFor`), so switching the measure takes the new
 * measure's default instead of carrying the old one's target over (parseBulletinParams).
 */
export function TargetField({ value, measure }: { value: number; measure?: string }) {
  const t = useT();
  return (
    <label>
      {t("bulletin.field.target")}
      <input type="text" name="target" inputMode="decimal" defaultValue={String(Math.round(value * 1000) / 10)} />
      {measure !== undefined && <input type="hidden" name="targetFor" value={measure} />}
    </label>
  );
}

/** A week select; `empty` adds a first option meaning "no limit". */
export function WeekField({
  name,
  label,
  weeks,
  value,
  empty,
}: {
  name: string;
  label: string;
  weeks: string[];
  value: string | null;
  empty?: string;
}) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value ? isoWeekLabel(value) : ""}>
        {empty !== undefined && <option value="">{empty}</option>}
        {weeks.map((w) => (
          <option key={w} value={isoWeekLabel(w)}>
            {isoWeekLabel(w)}（{w.slice(5)}）
          </option>
        ))}
      </select>
    </label>
  );
}

/** Links between the views of the same campaign and measure. */
export function RateNav({ query }: { query: string }) {
  const t = useT();
  return (
    <nav className="actions rate-nav" aria-label={t("rates.views")}>
      <Link to={`/rates${query}`}>{t("rates.view.table")}</Link>
      <Link to={`/rates/trends${query}`}>{t("rates.view.trends")}</Link>
      <Link to={`/rates/compare${query}`}>{t("rates.view.compare")}</Link>
      <Link to={`/bulletin${query}`}>{t("nav.bulletin")}</Link>
      <a href={`/api/rates${query}`}>{t("rates.view.api")}</a>
    </nav>
  );
}

/** A door-to-door round to read coverage from. */
export function RoundField({ rounds, value, label }: { rounds: { code: string; name: string }[]; value: string | null; label: string }) {
  return (
    <label>
      {label}
      <select name="round" defaultValue={value ?? undefined}>
        {rounds.map((r) => (
          <option key={r.code} value={r.code}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
}
