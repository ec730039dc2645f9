// Spot checks of a round (抽查补漏): the office (and area staff inside their scope) draws a seeded
// sample of households logged reached in an area and gives it to a checker; below, the
// confirmation rate per volunteer and per community over every check of the round, with n and
// the 95% interval.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { randomInt } from "node:crypto";
import { z } from "zod";
import { ConfirmationRate, ConfirmationTable } from "~/components/confirmation-table";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { MAX_SEED, parseSeed } from "~/domain/sampling";
import { SPOT_CHECK_SIZE_KINDS, tallyOf } from "~/domain/spot-checks";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { confirmationRates, drawSpotChecks, spotCheckAreas, spotChecksOf, type SpotCheckArea } from "~/models/spot-checks.server";
import { assignablePeople, roundByCode } from "~/models/visits.server";
import { idField, invariantResponse, parseInput, TextField, wholeNumber } from "~/utils/input";
import { can } from "~/utils/permissions";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

async function roundOf(countyId: number, request: Request) {
  const code = new URL(request.url).searchParams.get("round");
  const round = code ? await roundByCode(countyId, code) : null;
  invariantResponse(round);
  return round;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:read");
  const round = await roundOf(user.countyId, request);
  const draw = can(user.role, "visit:spot-check") && round.state === "open";
  const [checks, rates, areas, people] = await Promise.all([
    spotChecksOf(user, { roundId: round.id }),
    confirmationRates(user, round),
    draw ? spotCheckAreas(user, round) : null,
    draw ? assignablePeople(user) : null,
  ]);
  return { round: { code: round.code, name: round.name, state: round.state }, checks, rates, areas, people };
}

const MAX_NUMBER = 10_000;

const drawForm = z
  .object({
    area: TextField.transform((v, ctx): SpotCheckArea => {
      const match = /^([pg])(\d{1,10})$/.exec(v);
      const id = match ? wholeNumber(match[2], 1, 2_147_483_647) : null;
      if (!match || id === null) return (ctx.addIssue({ code: "custom", message: "spotChecks.error.area" }), z.NEVER);
      return match[1] === "g" ? { gridId: id } : { placeId: id };
    }),
    sizeKind: z.enum(SPOT_CHECK_SIZE_KINDS).catch("number"),
    size: TextField,
    seed: TextField.transform((v, ctx) =>
      v === ""
        ? randomInt(1, MAX_SEED + 1)
        : (parseSeed(v) ?? (ctx.addIssue({ code: "custom", message: "spotChecks.error.seed" }), z.NEVER)),
    ),
    checker: idField("spotChecks.error.checker"),
  })
  .transform((v, ctx) => {
    const value = wholeNumber(v.size, 1, v.sizeKind === "share" ? 100 : MAX_NUMBER);
    if (value === null) return (ctx.addIssue({ code: "custom", path: ["size"], message: `spotChecks.error.size.${v.sizeKind}` }), z.NEVER);
    return { ...v, size: { kind: v.sizeKind, value } };
  });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "visit:spot-check");
  const round = await roundOf(user.countyId, request);
  const parsed = parseInput(drawForm, await request.formData());
  if ("errors" in parsed) return data({ errors: parsed.errors }, { status: 400 });
  const { area, size, seed, checker } = parsed.value;
  const drawn = await drawSpotChecks(user, round, { area, size, seed, checkerId: checker });
  if ("problem" in drawn) return data({ errors: { form: `spotChecks.error.${drawn.problem}` } }, { status: 409 });
  await recordAudit(user, "spotcheck.draw", {
    target: round.code,
    details: {
      spotCheck: drawn.id,
      area,
      size,
      seed,
      checkerId: checker,
      frame: drawn.frame,
      excludedOwn: drawn.excludedOwn,
      drawn: drawn.drawn,
    },
    ip: clientInfo(request, context).ip,
  });
  return redirect(`/coverage/spot-checks/${drawn.id}`);
}

export default function SpotChecks() {
  const { round, checks, rates, areas, people } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <>
      <p>
        <Link to={`/coverage?round=${round.code}`}>{t("review.back")}</Link>
      </p>
      <h1>{t("spotChecks.title")}</h1>
      <p className="muted">{t("spotChecks.intro")}</p>
      <section className="card" data-testid="confirmation-total">
        <p className="coverage-headline">
          {t("spotChecks.total", { confirmed: rates.total.confirmed, notConfirmed: rates.total.notConfirmed })}{" "}
          <ConfirmationRate tally={rates.total} />
        </p>
        <p className="muted">{t("spotChecks.rule")}</p>
      </section>
      <h2>{t("spotChecks.byVolunteer")}</h2>
      <ConfirmationTable rows={rates.volunteers} label={t("review.col.volunteer")} testId="by-volunteer" />
      <h2>{t("spotChecks.byCommunity")}</h2>
      <ConfirmationTable rows={rates.communities} label={t("coverage.level.community")} testId="by-community" />
      {areas && people && (
        <Form method="post" className="card stack-form" data-testid="draw">
          <h2>{t("spotChecks.draw")}</h2>
          {errors.form && <p className="field-error">{t(errors.form)}</p>}
          <label>
            {t("spotChecks.field.area")}
            <select name="area" defaultValue="" aria-invalid={!!errors.area}>
              <option value="">{t("rounds.choose")}</option>
              {(["community", "compound", "building"] as const).map((level) => (
                <optgroup key={level} label={t(`coverage.level.${level}`)}>
                  {areas.places
                    .filter((p) => p.level === level)
                    .map((p) => (
                      <option key={p.id} value={`p${p.id}`}>
                        {level === "community" ? p.name : `${p.parent ?? ""} ${p.name}`}
                      </option>
                    ))}
                </optgroup>
              ))}
              {areas.grids.length > 0 && (
                <optgroup label={t("coverage.level.grid")}>
                  {areas.grids.map((g) => (
                    <option key={g.id} value={`g${g.id}`}>
                      {g.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
            {errors.area && <span className="field-error">{t(errors.area)}</span>}
          </label>
          <fieldset className="inline-choices">
            <legend>{t("spotChecks.field.sizeKind")}</legend>
            {SPOT_CHECK_SIZE_KINDS.map((k) => (
              <label key={k}>
                <input type="radio" name="sizeKind" value={k} defaultChecked={k === "number"} /> {t(`spotChecks.sizeKind.${k}`)}
              </label>
            ))}
          </fieldset>
          <label>
            {t("spotChecks.field.size")}
            <input type="text" name="size" inputMode="numeric" aria-invalid={!!errors.size} />
            {errors.size && <span className="field-error">{t(errors.size)}</span>}
          </label>
          <label>
            {t("spotChecks.field.seed")}
            <input type="text" name="seed" inputMode="numeric" aria-invalid={!!errors.seed} />
            {errors.seed && <span className="field-error">{t(errors.seed)}</span>}
          </label>
          <label>
            {t("spotChecks.field.checker")}
            <select name="checker" defaultValue="" aria-invalid={!!errors.checker}>
              <option value="">{t("rounds.choose")}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}（{t(`role.${p.role}`)}）
                </option>
              ))}
            </select>
            {errors.checker && <span className="field-error">{t(errors.checker)}</span>}
          </label>
          <p className="muted">{t("spotChecks.checkerRule")}</p>
          <p className="actions">
            <button type="submit" className="button">
              {t("spotChecks.drawButton")}
            </button>
          </p>
        </Form>
      )}
      <h2>{t("spotChecks.list")}</h2>
      <DataTable
        testId="spot-checks"
        columns={[
          t("spotChecks.col.check"),
          t("spotChecks.field.checker"),
          { num: t("spotChecks.col.checked") },
          { num: t("spotChecks.col.rate") },
        ]}
        rows={checks}
        row={(c) => (
          <tr key={c.id}>
            <td>
              <Link to={`/coverage/spot-checks/${c.id}`}>{c.area}</Link>
              <span className="context">
                {t(`spotChecks.size.${c.sizeKind}`, { n: c.sizeValue })} · {t("spotChecks.seedShort", { seed: c.seed })} ·{" "}
                {when.format(new Date(c.createdAt))}
              </span>
            </td>
            <td>{c.checker}</td>
            <td className="num">
              {c.confirmed + c.notConfirmed + c.couldNotCheck} / {c.drawn}
            </td>
            <td className="num">
              <ConfirmationRate tally={tallyOf({ ...c, unchecked: c.drawn - c.confirmed - c.notConfirmed - c.couldNotCheck })} />
            </td>
          </tr>
        )}
        empty={<p className="muted">{t("spotChecks.none")}</p>}
      />
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
