import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { TargetPicker } from "~/components/target-picker";
import { Field } from "~/components/user-fields";
import { CAMPAIGN_CODE, DUPLICATE_POLICIES, toShanghaiInput, type DuplicatePolicy } from "~/domain/campaigns";
import { useT } from "~/i18n/use-t";
import { recordAudit } from "~/models/audit.server";
import { createCampaign, targetChoices, versionChoices, type NewCampaign } from "~/models/campaigns.server";
import { z } from "zod";
import { beijingTimeField, idField, IdList, parseInput, TextField } from "~/utils/input";
import { clientInfo } from "~/utils/request.server";
import { requirePermission } from "~/utils/session.server";

const DAY = 24 * 3600_000;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, "campaign:manage");
  const [versions, streets] = await Promise.all([versionChoices(user.countyId), targetChoices(user.countyId)]);
  // From the start of this hour, so a campaign opened right away accepts answers at once.
  const hour = Math.floor(Date.now() / 3600_000) * 3600_000;
  return {
    versions,
    streets,
    defaults: { opensAt: toShanghaiInput(new Date(hour)), closesAt: toShanghaiInput(new Date(hour + 14 * DAY)) },
  };
}

type Values = {
  name: string;
  code: string;
  surveyVersionId: string;
  opensAt: string;
  closesAt: string;
  duplicatePolicy: string;
  targets: number[];
};
type Errors = Partial<Record<"name" | "code" | "surveyVersionId" | "opensAt" | "closesAt" | "duplicatePolicy" | "targets", string>>;

const isPolicy = (value: string): value is DuplicatePolicy => (DUPLICATE_POLICIES as readonly string[]).includes(value);

// Every field reports its own problem (checks, not type errors), so the cross-field checks below
// still run and the form shows every problem at once.
const campaignForm = z
  .object({
    name: TextField.pipe(z.string().min(1, "campaigns.error.name").max(200, "campaigns.error.name")),
    code: TextField.pipe(z.string().regex(CAMPAIGN_CODE, "campaigns.error.code")),
    surveyVersionId: idField("campaigns.error.version"),
    opensAt: beijingTimeField("campaigns.error.opensAt"),
    closesAt: beijingTimeField("campaigns.error.closesAt"),
    duplicatePolicy: TextField.refine(isPolicy, "campaigns.error.policy"),
    target: IdList,
  })
  .superRefine((v, ctx) => {
    if (v.opensAt && v.closesAt && v.closesAt <= v.opensAt)
      ctx.addIssue({ code: "custom", path: ["closesAt"], message: "campaigns.error.closesBeforeOpens" });
    if (v.target.length === 0) ctx.addIssue({ code: "custom", path: ["targets"], message: "campaigns.error.noTargets" });
  });

function parseForm(form: FormData): { values: Values; input?: NewCampaign; errors: Errors } {
  const raw = (key: string) => String(form.get(key) ?? "").trim();
  const values: Values = {
    name: raw("name"),
    code: raw("code"),
    surveyVersionId: raw("surveyVersionId"),
    opensAt: raw("opensAt"),
    closesAt: raw("closesAt"),
    duplicatePolicy: raw("duplicatePolicy"),
    targets: IdList.parse(form.getAll("target")),
  };
  const parsed = parseInput(campaignForm, form);
  if ("errors" in parsed) return { values, errors: parsed.errors };
  const { target, duplicatePolicy, ...rest } = parsed.value;
  return { values, errors: {}, input: { ...rest, duplicatePolicy: duplicatePolicy as DuplicatePolicy, targetPlaceIds: target } };
}

const PROBLEM_FIELD = {
  codeInvalid: "code",
  codeTaken: "code",
  versionNotFound: "surveyVersionId",
  targetNotFound: "targets",
  noTargets: "targets",
} as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, "campaign:manage");
  const { values, input, errors } = parseForm(await request.formData());
  if (!input) return data({ values, errors }, { status: 400 });
  const created = await createCampaign(user, input);
  if ("problem" in created)
    return data({ values, errors: { [PROBLEM_FIELD[created.problem]]: `campaigns.error.${created.problem}` } as Errors }, { status: 409 });
  await recordAudit(user, "campaign.create", {
    target: input.code,
    details: {
      campaignId: created.id,
      name: input.name,
      surveyVersionId: input.surveyVersionId,
      opensAt: input.opensAt.toISOString(),
      closesAt: input.closesAt.toISOString(),
      duplicatePolicy: input.duplicatePolicy,
      targets: input.targetPlaceIds,
      links: created.links,
    },
    ip: clientInfo(request, context).ip,
  });
  return redirect(`/campaigns/${created.id}?created=${created.links}`);
}

export default function NewCampaignPage() {
  const { versions, streets, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const t = useT();
  const errors: Errors = result?.errors ?? {};
  const values = result?.values;
  const surveys = useMemo(() => {
    const groups = new Map<number, (typeof versions)[number][]>();
    for (const v of versions) groups.set(v.surveyId, [...(groups.get(v.surveyId) ?? []), v]);
    return [...groups.values()];
  }, [versions]);

  if (versions.length === 0)
    return (
      <>
        <h1>{t("campaigns.new")}</h1>
        <p className="alert warn">{t("campaigns.form.noVersions")}</p>
      </>
    );

  return (
    <>
      <h1>{t("campaigns.new")}</h1>
      {result && (
        <p className="alert error" role="alert">
          {t("campaigns.form.fixErrors")}
        </p>
      )}
      <Form method="post" className="stack card campaign-form" noValidate>
        <Field label={t("campaigns.name")} name="name" error={errors.name}>
          <input
            type="text"
            name="name"
            required
            maxLength={200}
            defaultValue={values?.name}
            placeholder={t("campaigns.form.nameHint")}
            aria-invalid={!!errors.name}
          />
        </Field>
        <Field label={t("campaigns.code")} name="code" error={errors.code}>
          <input
            type="text"
            name="code"
            required
            maxLength={40}
            pattern="[a-z0-9\-]{2,40}"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            defaultValue={values?.code}
            aria-invalid={!!errors.code}
            aria-describedby="code-hint"
          />
          <span className="hint muted" id="code-hint">
            {t("campaigns.form.codeHint")}
          </span>
        </Field>
        <Field label={t("campaigns.form.version")} name="surveyVersionId" error={errors.surveyVersionId}>
          <select
            name="surveyVersionId"
            defaultValue={values?.surveyVersionId ?? String(versions[0].id)}
            aria-invalid={!!errors.surveyVersionId}
          >
            {surveys.map((group) => (
              <optgroup key={group[0].surveyId} label={group[0].surveyTitle}>
                {group.map((v) => (
                  <option key={v.id} value={v.id}>
                    {t("campaigns.surveyVersion", { title: v.title, n: v.version })}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
        <div className="campaign-times">
          <Field label={t("campaigns.form.opensAt")} name="opensAt" error={errors.opensAt}>
            <input
              type="datetime-local"
              name="opensAt"
              required
              defaultValue={values?.opensAt ?? defaults.opensAt}
              aria-invalid={!!errors.opensAt}
            />
          </Field>
          <Field label={t("campaigns.form.closesAt")} name="closesAt" error={errors.closesAt}>
            <input
              type="datetime-local"
              name="closesAt"
              required
              defaultValue={values?.closesAt ?? defaults.closesAt}
              aria-invalid={!!errors.closesAt}
            />
          </Field>
        </div>
        <p className="muted campaign-hint">{t("campaigns.form.timeHint")}</p>
        <fieldset className="campaign-fieldset" aria-invalid={!!errors.duplicatePolicy}>
          <legend>{t("campaigns.policy")}</legend>
          {DUPLICATE_POLICIES.map((p) => (
            <label key={p} className="choice">
              <input type="radio" name="duplicatePolicy" value={p} defaultChecked={(values?.duplicatePolicy ?? "household") === p} />
              <span>
                {t(`campaigns.policy.${p}`)}
                <span className="hint muted">{t(`campaigns.policyHint.${p}`)}</span>
              </span>
            </label>
          ))}
          {errors.duplicatePolicy && <span className="field-error">{t(errors.duplicatePolicy)}</span>}
        </fieldset>
        <TargetPicker streets={streets} initial={values?.targets ?? []} error={errors.targets} />
        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
          {navigation.state === "submitting" ? t("campaigns.form.creating") : t("campaigns.form.submit")}
        </button>
      </Form>
    </>
  );
}

export const ErrorBoundary = GeneralErrorBoundary;
