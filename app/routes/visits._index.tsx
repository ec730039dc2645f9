// The rounds a volunteer has buildings in now (directly or through a team), and the spot checks
// (抽查) given to them: one tap to each.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { checksAssignedTo } from "~/models/spot-checks.server";
import { roundsAssignedTo } from "~/models/visits.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:log");
  const [rounds, checks] = await Promise.all([roundsAssignedTo(user), checksAssignedTo(user)]);
  return {
    checks,
    rounds: rounds.map((r) => ({ code: r.code, name: r.name, firstDeadline: r.firstDeadline.toISOString(), assignments: r.assignments })),
  };
}

export default function MyRounds() {
  const { rounds, checks } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("visits.title")}</h1>
      {rounds.length === 0 ? (
        <p className="muted">{t("visits.noRounds")}</p>
      ) : (
        <ul className="building-list" data-testid="my-rounds">
          {rounds.map((r) => (
            <li key={r.code}>
              <Link className="building-button" to={`/visits/${r.code}`} reloadDocument>
                <span className="name">{r.name}</span>
                <span className="count">
                  {t("visits.deadline", { date: new Date(r.firstDeadline).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" }) })}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {checks.length > 0 && (
        <>
          <h2>{t("spotChecks.mine")}</h2>
          <ul className="building-list" data-testid="my-checks">
            {checks.map((c) => (
              <li key={c.id}>
                <Link className="building-button" to={`/visits/${c.round}/checks/${c.id}`} reloadDocument>
                  <span className="name">{t("spotChecks.phoneTitle", { area: c.area })}</span>
                  <span className="count">
                    {c.roundName} · {t("spotChecks.checkedOf", { done: c.checked, total: c.drawn })}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
