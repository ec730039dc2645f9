// The evaluation's sample (测评样本): draw it as of a date under the evaluation's rule (saved with
// the rule, audited), and see it now: satisfaction with its 95% interval, the swing of the rule
// over simulated draws beside it, and the sampled tickets nobody has reached yet.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { EstimateCell } from "~/components/rate-figure";
import { toShanghaiInput } from "~/domain/campaigns";
import { shownPercent } from "~/domain/measures";
import { DEFAULT_SAMPLE_RULE } from "~/domain/tickets";
import { useDateTimeFormat, useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { drawSample, listSamples, sampleView } from "~/models/evaluation-sample.server";
import { beijingTimeField, parseInput, TextField, wholeNumber } from "~/utils/input";
import { can } from "~/utils/permissions";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "ticket:read");
  const [view, history] = await Promise.all([sampleView(user.countyId, null), listSamples(user.countyId)]);
  return {
    view,
    history,
    canDraw: can(user.role, "sample:draw"),
    defaults: { ...DEFAULT_SAMPLE_RULE, asOf: toShanghaiInput(new Date()), seed: Math.floor(Math.random() * 1_000_000) },
  };
}

const whole = (min: number, max: number, message: string) =>
  TextField.transform((v, ctx) => wholeNumber(v, min, max) ?? (ctx.addIssue({ code: "custom", message }), z.NEVER));

const drawForm = z
  .object({
    asOf: beijingTimeField("sample.error.asOf"),
    months: whole(1, 24, "sample.error.months"),
    recentMonths: whole(0, 24, "sample.error.recentMonths"),
    recentShare: whole(0, 100, "sample.error.recentShare"),
    size: whole(1, 10_000, "sample.error.size"),
    seed: whole(0, 4_294_967_295, "sample.error.seed"),
  })
  .superRefine((v, ctx) => {
    if (v.recentMonths > v.months) ctx.addIssue({ code: "custom", path: ["recentMonths"], message: "sample.error.recentMonths" });
  });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "sample:draw");
  const parsed = parseInput(drawForm, await request.formData());
  if ("errors" in parsed) return data({ errors: parsed.errors, drawn: null }, { status: 400 });
  const rule = { ...parsed.value, recentShare: parsed.value.recentShare / 100 };
  const drawn = await drawSample(user, rule);
  await recordAudit(user, "tickets.drawSample", {
    target: String(drawn.id),
    details: { ...rule, asOf: rule.asOf.toISOString(), drawn: drawn.drawn, eligible: drawn.eligible },
    ip: clientInfo(request, context).ip,
  });
  return data({ errors: {} as Record<string, string>, drawn });
}

export default function SamplePage() {
  const { view, history, canDraw, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const when = useDateTimeFormat("short", "short");
  const at = (d: string | Date) => when.format(new Date(d));
  const errors: Record<string, string> = result?.errors ?? {};
  const pct = (x: number) => `${shownPercent(x).toFixed(1)}%`;
  const notCalled = view ? view.tickets.filter((x) => !x.calledBack) : [];
  const field = (name: keyof typeof defaults, value: string) => (
    <label>
      {t(`sample.field.${name}`)}
      <input
        type={name === "asOf" ? "datetime-local" : "text"}
        inputMode={name === "asOf" ? undefined : "numeric"}
        name={name}
        defaultValue={value}
        aria-invalid={!!errors[name]}
      />
      {errors[name] && <span className="field-error">{t(errors[name])}</span>}
    </label>
  );
  return (
    <>
      <p>
        <Link to="/hotline">{t("ticket.back")}</Link>
      </p>
      <h1>{t("sample.title")}</h1>
      <p className="muted">
        {t("sample.intro", {
          months: view?.sample.months ?? defaults.months,
          share: Math.round((view?.sample.recentShare ?? defaults.recentShare) * 100),
          recent: view?.sample.recentMonths ?? defaults.recentMonths,
          size: view?.sample.size ?? defaults.size,
        })}
      </p>
      {result?.drawn && (
        <p className="alert ok" role="status">
          {t("sample.drawn", { drawn: result.drawn.drawn, eligible: result.drawn.eligible })}
        </p>
      )}
      {!view ? (
        <p className="muted">{t("sample.none")}</p>
      ) : (
        <>
          <p data-testid="sample-current">
            {t("sample.current", {
              asOf: at(view.sample.asOf),
              drawn: view.sample.drawn,
              seed: view.sample.seed,
              by: view.sample.drawnBy ?? "—",
              at: at(view.sample.drawnAt),
            })}
          </p>
          <div className="stat-row card">
            <div>
              <h2>{t("sample.satisfaction")}</h2>
              <EstimateCell measure="satisfaction" estimate={view.satisfaction} testId="sample-satisfaction" />
              <p className="muted">
                {view.satisfaction.successes}/{view.satisfaction.n}
              </p>
            </div>
            <div>
              <h2>{t("sample.swing")}</h2>
              {view.swing ? (
                <span className="estimate" data-testid="sample-swing">
                  <b>
                    {pct(view.swing.p5)} – {pct(view.swing.p95)}
                  </b>
                  <span className="ci">P50 {pct(view.swing.p50)}</span>
                </span>
              ) : (
                "—"
              )}
              <p className="muted">{t("sample.swingNote", { draws: view.swing?.draws ?? 0 })}</p>
            </div>
            <div>
              <h2>{t("sample.before")}</h2>
              <EstimateCell measure="satisfaction" estimate={view.satisfactionBefore} />
            </div>
          </div>
          <p className="muted">{t("sample.formula")}</p>
          <h2>{t("sample.notCalled", { n: notCalled.length })}</h2>
          <DataTable
            testId="sample-not-called"
            columns={[
              t("hotline.col.ticket"),
              t("hotline.col.completed"),
              t("hotline.col.department"),
              t("hotline.col.category"),
              t("hotline.col.original"),
              t("hotline.col.attempts"),
            ]}
            rows={notCalled}
            empty={<p className="muted">{t("sample.allCalled")}</p>}
            row={(x) => (
              <tr key={x.id}>
                <td>
                  <Link to={`/hotline/tickets/${x.id}`}>{x.ticketNo}</Link>
                </td>
                <td>{at(x.completedAt)}</td>
                <td>{x.department ?? "—"}</td>
                <td>{x.category ?? "—"}</td>
                <td>{t(`rating.${x.originalSatisfaction ?? "none"}`)}</td>
                <td className="num">{x.attempts}</td>
              </tr>
            )}
          />
        </>
      )}
      {canDraw && (
        <Form method="post" className="card stack-form">
          <h2>{t("sample.draw")}</h2>
          <div className="filters">
            {field("asOf", defaults.asOf)}
            {field("months", String(defaults.months))}
            {field("recentMonths", String(defaults.recentMonths))}
            {field("recentShare", String(Math.round(defaults.recentShare * 100)))}
            {field("size", String(defaults.size))}
            {field("seed", String(defaults.seed))}
          </div>
          <p>
            <button type="submit" className="button">
              {t("sample.draw")}
            </button>
          </p>
        </Form>
      )}
      {history.length > 0 && (
        <>
          <h2>{t("sample.history")}</h2>
          <DataTable
            columns={[t("sample.col.asOf"), t("sample.col.rule"), { num: t("sample.col.drawn") }, t("sample.col.by")]}
            rows={history}
            row={(s) => (
              <tr key={s.id}>
                <td>{at(s.asOf)}</td>
                <td>
                  {t("sample.rule", { months: s.months, recent: s.recentMonths, share: Math.round(s.recentShare * 100), seed: s.seed })}
                </td>
                <td className="num">{s.drawn}</td>
                <td>
                  {s.drawnBy ?? "—"} · {at(s.drawnAt)}
                </td>
              </tr>
            )}
          />
        </>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
