// One spot check (抽查) for the office: how it was drawn (area, size, seed, frame, the checker's own
// households left out), its confirmation rate per volunteer, and every drawn household with the
// visit checked and the latest result.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ConfirmationTable } from "~/components/confirmation-table";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { checkedHouseholds, confirmationRates, spotChecksOf } from "~/models/spot-checks.server";
import { roundById } from "~/models/visits.server";
import { idParam, invariantResponse } from "~/utils/input";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:read");
  const id = idParam(params.id);
  const [check] = await spotChecksOf(user, { checkId: id });
  invariantResponse(check);
  const round = await roundById(user.countyId, check.roundId);
  invariantResponse(round);
  const [households, rates] = await Promise.all([checkedHouseholds(user, id), confirmationRates(user, round, id)]);
  return { round: { code: round.code, name: round.name }, check, households, rates };
}

export default function SpotCheckPage() {
  const { round, check, households, rates } = useLoaderData<typeof loader>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  return (
    <>
      <p>
        <Link to={`/coverage/spot-checks?round=${round.code}`}>{t("spotChecks.backToList")}</Link>
      </p>
      <h1>{t("spotChecks.checkTitle", { area: check.area })}</h1>
      <section className="card" data-testid="check-params">
        <p>
          {t("spotChecks.params", {
            round: round.name,
            size: t(`spotChecks.size.${check.sizeKind}`, { n: check.sizeValue }),
            seed: check.seed,
            frame: check.frame,
            drawn: check.drawn,
          })}
        </p>
        {check.excludedOwn > 0 && <p className="muted">{t("spotChecks.excludedOwn", { n: check.excludedOwn })}</p>}
        <p className="muted">
          {t("spotChecks.drawnBy", { checker: check.checker, by: check.createdBy ?? "—", at: when.format(new Date(check.createdAt)) })}
        </p>
      </section>
      <h2>{t("spotChecks.byVolunteer")}</h2>
      <ConfirmationTable rows={rates.volunteers} label={t("review.col.volunteer")} testId="by-volunteer" />
      <h2>{t("spotChecks.households")}</h2>
      <DataTable
        testId="check-households"
        columns={[t("review.col.household"), t("review.col.volunteer"), t("spotChecks.col.visitedAt"), t("spotChecks.col.result")]}
        rows={households}
        row={(h) => (
          <tr key={h.householdId}>
            <td>
              {h.address}
              {h.note && <span className="context">{h.note}</span>}
            </td>
            <td>{h.volunteer}</td>
            <td>{when.format(new Date(h.visitedAt))}</td>
            <td>
              {t(`spotChecks.state.${h.outcome ?? "unchecked"}`)}
              {h.checkedAt && <span className="context">{when.format(new Date(h.checkedAt))}</span>}
            </td>
          </tr>
        )}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
