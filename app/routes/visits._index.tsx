// The rounds a volunteer has buildings in now: one tap to the round's page.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { roundsAssignedTo } from "~/models/visits.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:log");
  const rounds = await roundsAssignedTo(user);
  return {
    rounds: rounds.map((r) => ({ code: r.code, name: r.name, firstDeadline: r.firstDeadline.toISOString(), assignments: r.assignments })),
  };
}

export default function MyRounds() {
  const { rounds } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <h1>{t("visits.title")}</h1>
      {rounds.length === 0 ? (
        <p className="muted">{t("visits.noRounds")}</p>
      ) : (
        <ul className="building-list">
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
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
