// Door-to-door rounds (走访轮次): the list, and for the county office a new round over chosen
// communities, compounds or buildings with its two deadlines and its rule for "unreachable", and
// optionally the questionnaire volunteers fill with residents (a campaign) and the message or
// short quiz shown when a household is reached.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { TargetPicker } from "~/components/target-picker";
import { Field } from "~/components/user-fields";
import { CAMPAIGN_CODE, toShanghaiInput } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { listCampaigns, targetChoices } from "~/models/campaigns.server";
import { latestVersions } from "~/models/surveys.server";
import { createRound, listRounds } from "~/models/visits.server";
import { beijingTimeField, IdList, OptionalId, parseInput, TextField, wholeNumber } from "~/utils/input";
import { can } from "~/utils/permissions";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

const DAY = 86_400_000;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "visit:assign");
  const manage = can(user.role, "visit:manage");
  const [rounds, streets, campaigns, versions] = await Promise.all([
    listRounds(user.countyId),
    manage ? targetChoices(user.countyId) : Promise.resolve([]),
    manage ? listCampaigns(user) : Promise.resolve([]),
    manage ? latestVersions(user.countyId) : Promise.resolve([]),
  ]);
  const today = Math.floor(Date.now() / DAY) * DAY;
  return {
    manage,
    streets,
    campaigns: campaigns.filter((c) => c.state !== "closed").map((c) => ({ id: c.id, name: c.name, code: c.code })),
    quizzes: versions.map((v) => ({ id: v.id, title: v.title, version: v.version })),
    rounds: rounds.map((r) => ({
      code: r.code,
      name: r.name,
      startsAt: r.startsAt.toISOString(),
      firstDeadline: r.firstDeadline.toISOString(),
      finalDeadline: r.finalDeadline.toISOString(),
      state: r.state,
    })),
    defaults: {
      startsAt: toShanghaiInput(new Date(today)),
      firstDeadline: toShanghaiInput(new Date(today + 21 * DAY)),
      finalDeadline: toShanghaiInput(new Date(today + 24 * DAY)),
    },
  };
}

const roundForm = z
  .object({
    name: TextField.pipe(z.string().min(1, "rounds.error.name").max(200, "rounds.error.name")),
    code: TextField.pipe(z.string().regex(CAMPAIGN_CODE, "campaigns.error.code")),
    startsAt: beijingTimeField("rounds.error.time"),
    firstDeadline: beijingTimeField("rounds.error.time"),
    finalDeadline: beijingTimeField("rounds.error.time"),
    unreachableAfter: TextField.transform(
      (v, ctx) => wholeNumber(v, 1, 10) ?? (ctx.addIssue({ code: "custom", message: "rounds.error.tries" }), z.NEVER),
    ),
    target: IdList,
    campaign: OptionalId,
    quiz: OptionalId,
    message: TextField.pipe(z.string().max(2000, "rounds.error.message")).transform((v) => v || null),
  })
  .superRefine((v, ctx) => {
    if (v.startsAt && v.firstDeadline && v.firstDeadline <= v.startsAt)
      ctx.addIssue({ code: "custom", path: ["firstDeadline"], message: "rounds.error.order" });
    if (v.firstDeadline && v.finalDeadline && v.finalDeadline < v.firstDeadline)
      ctx.addIssue({ code: "custom", path: ["finalDeadline"], message: "rounds.error.order" });
    if (v.target.length === 0) ctx.addIssue({ code: "custom", path: ["targets"], message: "campaigns.error.noTargets" });
  });

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "visit:manage");
  const form = await request.formData();
  const parsed = parseInput(roundForm, form);
  const values = Object.fromEntries([...form.entries()].filter(([k]) => k !== "target").map(([k, v]) => [k, String(v)]));
  if ("errors" in parsed) return data({ errors: parsed.errors, values }, { status: 400 });
  const { target, campaign, quiz, ...round } = parsed.value;
  const created = await createRound(user, { ...round, campaignId: campaign, quizVersionId: quiz, targetPlaceIds: target });
  if ("problem" in created) {
    const field = {
      codeTaken: "code",
      campaignNotFound: "campaign",
      quizNotFound: "quiz",
      targetNotFound: "targets",
      noTargets: "targets",
    }[created.problem];
    return data({ errors: { [field]: `rounds.error.${created.problem}` }, values }, { status: 409 });
  }
  await recordAudit(user, "round.create", {
    target: round.code,
    details: { roundId: created.id, targets: target, campaignId: campaign, quizVersionId: quiz },
    ip: clientInfo(request, context).ip,
  });
  return redirect(`/rounds/${round.code}`);
}

const day = (iso: string) => new Date(iso).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });

export default function Rounds() {
  const { manage, streets, campaigns, quizzes, rounds, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const errors: Record<string, string> = result?.errors ?? {};
  const values: Record<string, string> = result?.values ?? {};
  return (
    <>
      <h1>{t("rounds.title")}</h1>
      <DataTable
        testId="rounds"
        columns={[t("rounds.col.name"), t("rounds.col.start"), t("rounds.col.first"), t("rounds.col.final"), t("rounds.col.state")]}
        rows={rounds}
        row={(r) => (
          <tr key={r.code}>
            <td>
              <Link to={`/rounds/${r.code}`}>{r.name}</Link>
            </td>
            <td>{day(r.startsAt)}</td>
            <td>{day(r.firstDeadline)}</td>
            <td>{day(r.finalDeadline)}</td>
            <td>{t(`rounds.state.${r.state}`)}</td>
          </tr>
        )}
        empty={<p className="muted">{t("coverage.noRounds")}</p>}
      />
      {manage && (
        <Form method="post" className="card stack-form" data-testid="new-round">
          <h2>{t("rounds.new")}</h2>
          <Field label={t("rounds.field.name")} name="name" error={errors.name}>
            <input type="text" name="name" required maxLength={200} defaultValue={values.name} />
          </Field>
          <Field label={t("rounds.field.code")} name="code" error={errors.code}>
            <input type="text" name="code" required pattern="[a-z0-9-]{2,40}" defaultValue={values.code} autoCapitalize="none" />
          </Field>
          <Field label={t("rounds.field.start")} name="startsAt" error={errors.startsAt}>
            <input type="datetime-local" name="startsAt" required defaultValue={values.startsAt ?? defaults.startsAt} />
          </Field>
          <Field label={t("rounds.field.first")} name="firstDeadline" error={errors.firstDeadline}>
            <input type="datetime-local" name="firstDeadline" required defaultValue={values.firstDeadline ?? defaults.firstDeadline} />
          </Field>
          <Field label={t("rounds.field.final")} name="finalDeadline" error={errors.finalDeadline}>
            <input type="datetime-local" name="finalDeadline" required defaultValue={values.finalDeadline ?? defaults.finalDeadline} />
          </Field>
          <Field label={t("rounds.field.tries")} name="unreachableAfter" error={errors.unreachableAfter}>
            <input
              type="number"
              name="unreachableAfter"
              min={1}
              max={10}
              required
              defaultValue={values.unreachableAfter ?? "3"}
              inputMode="numeric"
            />
          </Field>
          <TargetPicker streets={streets} initial={[]} error={errors.targets} legend={t("rounds.field.targets")} />
          <Field label={t("rounds.field.campaign")} name="campaign" error={errors.campaign}>
            <select name="campaign" defaultValue={values.campaign ?? ""}>
              <option value="">{t("rounds.field.none")}</option>
              {campaigns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}（{c.code}）
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("rounds.field.quiz")} name="quiz" error={errors.quiz}>
            <select name="quiz" defaultValue={values.quiz ?? ""}>
              <option value="">{t("rounds.field.none")}</option>
              {quizzes.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.title}（v{q.version}）
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("rounds.field.message")} name="message" error={errors.message}>
            <textarea name="message" maxLength={2000} rows={3} defaultValue={values.message} />
          </Field>
          <button type="submit" className="button">
            {t("rounds.create")}
          </button>
        </Form>
      )}
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
