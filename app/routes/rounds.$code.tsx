// Assigning a round's buildings inside one's own area (county office, street and community staff,
// grid leaders): choose a person and tick buildings; giving a building to someone else withdraws
// it from whoever had it (the history stays), and a volunteer's phone refuses what they log there
// afterwards with the reason.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { assign, assignablePeople, roundBuildings, roundByCode, withdrawPlaces } from "~/models/visits.server";
import { idField, IdList, invariantResponse, parseInput } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const round = await roundByCode(user.countyId, params.code ?? "");
  invariantResponse(round);
  const [people, buildings] = await Promise.all([assignablePeople(user), roundBuildings(user, round)]);
  return { round: { code: round.code, name: round.name, state: round.state }, people, buildings };
}

const assignForm = z.object({
  intent: z.enum(["assign", "withdraw"]).catch("assign"),
  volunteer: z.unknown(),
  building: IdList.refine((ids) => ids.length > 0, "rounds.error.noBuildings"),
});

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const round = await roundByCode(user.countyId, params.code ?? "");
  invariantResponse(round);
  const parsed = parseInput(assignForm, await request.formData());
  if ("errors" in parsed) return data({ errors: parsed.errors, done: null }, { status: 400 });
  const { intent, building } = parsed.value;
  const ip = clientInfo(request, context).ip;
  if (intent === "withdraw") {
    const n = await withdrawPlaces(user, round, building);
    await recordAudit(user, "round.withdraw", { target: round.code, details: { buildings: building, withdrawn: n }, ip });
    return data({ errors: {}, done: { key: "rounds.withdrawn", n } });
  }
  const volunteer = idField("rounds.error.volunteer").safeParse(parsed.value.volunteer);
  if (!volunteer.success) return data({ errors: { volunteer: "rounds.error.volunteer" }, done: null }, { status: 400 });
  if (!(await assignablePeople(user)).some((p) => p.id === volunteer.data))
    return data({ errors: { volunteer: "rounds.error.volunteer" }, done: null }, { status: 400 });
  const result = await assign(user, round, { volunteerId: volunteer.data, placeIds: building });
  if ("problem" in result) return data({ errors: { building: `rounds.error.${result.problem}` }, done: null }, { status: 409 });
  await recordAudit(user, "round.assign", { target: round.code, details: { volunteerId: volunteer.data, buildings: building }, ip });
  return data({ errors: {}, done: { key: "rounds.assigned", n: result.assigned } });
}

export default function RoundAssignments() {
  const { round, people, buildings } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <>
      <p>
        <Link to="/rounds">{t("rounds.back")}</Link> · <Link to={`/coverage?round=${round.code}`}>{t("nav.coverage")}</Link>
      </p>
      <h1>{round.name}</h1>
      {result?.done && (
        <p className="alert ok" role="status">
          {t(result.done.key, { n: result.done.n })}
        </p>
      )}
      <Form method="post" className="card stack-form" data-testid="assign">
        <label>
          {t("rounds.field.volunteer")}
          <select name="volunteer" defaultValue="" aria-invalid={!!errors.volunteer}>
            <option value="">{t("rounds.choose")}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}（{t(`role.${p.role}`)}）
              </option>
            ))}
          </select>
          {errors.volunteer && <span className="field-error">{t(errors.volunteer)}</span>}
        </label>
        {errors.building && <p className="field-error">{t(errors.building)}</p>}
        <DataTable
          columns={["", t("rounds.col.building"), { num: t("rounds.col.households") }, t("rounds.col.volunteer")]}
          rows={buildings}
          row={(b) => (
            <tr key={b.id}>
              <td>
                <input type="checkbox" name="building" value={b.id} aria-label={`${b.compound} ${b.name}`} />
              </td>
              <td>
                {b.compound} {b.name}
                <span className="context">{b.community}</span>
              </td>
              <td className="num">{b.households}</td>
              <td>
                {b.volunteer ??
                  (b.stairwellsAssigned > 0 ? (
                    t("rounds.byStairwell", { n: b.stairwellsAssigned })
                  ) : (
                    <span className="muted">{t("rounds.nobody")}</span>
                  ))}
              </td>
            </tr>
          )}
          empty={<p className="muted">{t("rounds.noBuildings")}</p>}
        />
        <p className="actions">
          <button type="submit" name="intent" value="assign" className="button">
            {t("rounds.assign")}
          </button>
          <button type="submit" name="intent" value="withdraw" className="button secondary">
            {t("rounds.withdraw")}
          </button>
        </p>
      </Form>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
