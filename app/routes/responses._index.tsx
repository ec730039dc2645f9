import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { ChoiceSelect } from "~/components/choice-select";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { parseResponseFilters, RESPONSE_STATUSES } from "~/domain/response-filters";
import { listResponses, RESPONSE_PAGE_SIZE, responseFilterChoices } from "~/models/responses.server";
import { getPlace } from "~/models/places.server";
import { can } from "~/utils/permissions";
import { requirePermission } from "~/utils/session.server";
import { invariantResponse, wholeNumber } from "~/utils/input";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "response:read");
  const params = new URL(request.url).searchParams;
  const filters = parseResponseFilters(params);
  const page = wholeNumber(params.get("page"), 1, 100_000) ?? 1;
  const [list, choices, place] = await Promise.all([
    listResponses(user, filters, page),
    responseFilterChoices(user),
    filters.placeId ? getPlace(user, filters.placeId) : null,
  ]);
  invariantResponse(!filters.placeId || place);
  // A building reached from elsewhere (its page, a link) is not among the areas offered.
  if (place && !choices.places.some((p) => p.id === place.id))
    choices.places.push({
      id: place.id,
      name: place.crumbs
        .map((c) => c.name)
        .slice(1)
        .join(" "),
      level: place.level,
      depth: 2,
    });
  return {
    filters,
    page,
    pages: Math.max(1, Math.ceil(list.total / RESPONSE_PAGE_SIZE)),
    ...list,
    ...choices,
    statuses: RESPONSE_STATUSES,
    canExport: can(user.role, "response:export"),
    canImport: can(user.role, "response:import"),
  };
}

export default function ResponsesPage() {
  const data = useLoaderData<typeof loader>();
  const { filters, counts } = data;
  const t = useT();
  const location = useLocation();
  const format = useDateTimeFormat("short", "short");
  const active =
    [filters.campaignId, filters.placeId, filters.from, filters.to].filter((f) => f !== null).length + (filters.status === "valid" ? 0 : 1);
  const search = new URLSearchParams(location.search);
  search.delete("page");
  const pageLink = (page: number) => {
    const next = new URLSearchParams(search);
    next.set("page", String(page));
    return `?${next}`;
  };
  const exportLink = (format: "xlsx" | "csv") => {
    const next = new URLSearchParams(search);
    next.set("format", format);
    return `/responses/export?${next}`;
  };
  return (
    <>
      <div className="actions responses-head">
        <h1>{t("responses.title")}</h1>
        {data.canImport && (
          <Link to="/responses/import" className="button secondary">
            {t("responses.importLink")}
          </Link>
        )}
      </div>

      {/* Once filtered, the phone's first screen shows the results, not the form. */}
      <details className="card responses-filters" open={active === 0}>
        <summary>{active === 0 ? t("responses.filters") : t("responses.filtersActive", { n: active })}</summary>
        {/* key: the fields show the URL's filters again after back/forward navigation */}
        <Form method="get" className="filter-grid" key={location.search}>
          <label>
            {t("responses.filter.campaign")}
            <ChoiceSelect
              name="campaign"
              value={filters.campaignId}
              empty={t("responses.filter.anyCampaign")}
              choices={data.campaigns.map((c) => ({ id: c.id, label: c.name }))}
            />
          </label>
          <label>
            {t("responses.filter.area")}
            <ChoiceSelect
              name="place"
              value={filters.placeId}
              empty={t("responses.filter.anyArea")}
              choices={data.places.map((p) => ({ id: p.id, label: "\u3000".repeat(Math.max(0, p.depth - 2)) + p.name }))}
            />
          </label>
          <label>
            {t("responses.filter.from")}
            <input type="date" name="from" defaultValue={filters.from ?? ""} />
          </label>
          <label>
            {t("responses.filter.to")}
            <input type="date" name="to" defaultValue={filters.to ?? ""} />
          </label>
          <label>
            {t("responses.filter.status")}
            <select name="status" defaultValue={filters.status}>
              {data.statuses.map((s) => (
                <option key={s} value={s}>
                  {t(`responses.status.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit" className="button">
              {t("responses.filter.apply")}
            </button>
            <Link to="/responses">{t("responses.filter.reset")}</Link>
          </div>
        </Form>
      </details>

      <div className="stats" data-testid="response-counts">
        {(["valid", "complete", "partial", "voided"] as const).map((key) => (
          <div className="stat" key={key}>
            <b>{counts[key].toLocaleString()}</b>
            {t(`responses.count.${key}`)}
          </div>
        ))}
      </div>

      <div className="actions responses-tools">
        <span className="muted">{t("responses.matching", { n: data.total.toLocaleString() })}</span>
        {data.canExport && (
          <>
            <a href={exportLink("xlsx")} className="button secondary" download>
              {t("responses.exportXlsx")}
            </a>
            <a href={exportLink("csv")} className="button secondary" download>
              {t("responses.exportCsv")}
            </a>
          </>
        )}
      </div>

      {data.rows.length === 0 ? (
        <p className="card">{t("responses.none")}</p>
      ) : (
        <ul className="list" data-testid="response-list">
          {data.rows.map((r) => (
            <li key={r.id}>
              <Link to={`/responses/${r.id}`} className="row response-row">
                <span>
                  <span className="name">
                    #{r.id} {r.placeLabel}
                  </span>
                  <span className="muted response-meta">
                    {format.format(new Date(r.finishedAt))} · {t(`responses.channel.${r.channel}`)}
                    {r.collector ? `（${r.collector}）` : ""} · {r.campaignName}
                  </span>
                </span>
                <span className="response-badges">
                  {r.voided && <span className="badge off">{t("responses.badge.voided")}</span>}
                  {!r.complete && <span className="badge warn">{t("responses.badge.partial")}</span>}
                  {r.imported && <span className="badge">{t("responses.badge.imported")}</span>}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}

      {data.pages > 1 && (
        <nav className="actions pager" aria-label={t("responses.page", { page: data.page, pages: data.pages })}>
          {data.page > 1 && <Link to={pageLink(data.page - 1)}>{t("responses.prev")}</Link>}
          <span className="muted">{t("responses.page", { page: data.page, pages: data.pages })}</span>
          {data.page < data.pages && <Link to={pageLink(data.page + 1)}>{t("responses.next")}</Link>}
        </nav>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
