import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { PageTitle } from "~/components/page-title";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { listSurveys } from "~/models/surveys.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "survey:manage");
  return { surveys: await listSurveys(user.countyId) };
}

export default function SurveysPage() {
  const { surveys } = useLoaderData<typeof loader>();
  const t = useT();
  const format = useDateTimeFormat("short", "short");
  return (
    <>
      <PageTitle title={t("surveys.title")}>
        <Link to="/surveys/new" className="button">
          {t("surveys.new")}
        </Link>
      </PageTitle>
      <DataTable
        columns={[t("surveys.name"), t("surveys.kind"), t("surveys.latestVersion"), t("surveys.updatedAt"), t("surveys.actions")]}
        rows={surveys}
        empty={<p className="card">{t("surveys.empty")}</p>}
        testId="survey-list"
        row={(s) => (
          <tr key={s.id}>
            <td>
              <Link to={`/surveys/${s.id}`}>{s.title}</Link>
              {s.latestVersion !== null && s.unpublishedChanges && (
                <>
                  {" "}
                  <span className="badge warn">{t("surveys.unpublishedChanges")}</span>
                </>
              )}
            </td>
            <td>{t(`surveys.kind.${s.kind}`)}</td>
            <td>
              {s.latestVersion === null ? (
                <span className="muted">{t("surveys.notPublished")}</span>
              ) : (
                t("surveys.versionN", { n: s.latestVersion })
              )}
            </td>
            <td>{format.format(new Date(s.updatedAt))}</td>
            <td className="survey-links">
              <Link to={`/surveys/${s.id}`}>{t("surveys.edit")}</Link>
              <Link to={`/surveys/${s.id}/export`} reloadDocument>
                {t("surveys.export")}
              </Link>
            </td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
