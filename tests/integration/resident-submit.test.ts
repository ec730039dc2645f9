// Resident submissions against a real database: idempotency, policies, validation, closing.
import { flushLinkCounters } from "~/models/link-counters.server";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, householdCodesFor, resolveLink, setCampaignState, type DuplicatePolicy } from "~/models/campaigns.server";
import { submitResponse, type Submission } from "~/models/responses.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { loader as pageLoader } from "~/routes/s.$code";
import { handleSubmission, MAX_SUBMISSION_BYTES } from "~/models/resident.server";
import { translate } from "~/i18n";
import { loadTemplate } from "~/survey/templates.server";
import { seedDemoCounty } from "../../db/seed/index";
import { wholeCounty } from "./helpers";

const DEFINITION = {
  title: "满意度调查",
  pages: [
    {
      elements: [
        {
          type: "radiogroup",
          name: "know",
          title: "您是否知道创文？",
          isRequired: true,
          choices: ["知道", "不知道"],
          measure: "awareness",
          positiveAnswers: ["知道"],
        },
        { type: "checkbox", name: "channel", title: "了解渠道", visibleIf: "{know} = '知道'", choices: ["电视", "微信", "社区宣传"] },
        {
          type: "radiogroup",
          name: "env",
          title: "环境卫生满意吗？",
          isRequired: true,
          choices: ["满意", "基本满意", "不满意"],
          measure: "satisfaction",
          positiveAnswers: ["满意", "基本满意"],
        },
        { type: "comment", name: "advice", title: "建议" },
      ],
    },
  ],
};

const GOOD = { know: "知道", channel: ["微信"], env: "满意" };

let countyId: number;
let versionId: number;
let buildingId: number;

async function campaignWith(policy: DuplicatePolicy, state: "open" | "draft" = "open", opensAt = new Date(Date.now() - 3600_000)) {
  const code = `t-${policy}-${Math.random().toString(36).slice(2, 8)}`;
  const created = await createCampaign(
    { id: null, countyId },
    {
      code,
      name: "测试批次",
      surveyVersionId: versionId,
      opensAt,
      closesAt: new Date(opensAt.getTime() + 2 * 86400_000),
      duplicatePolicy: policy,
      targetPlaceIds: [buildingId],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  if (state === "open") await setCampaignState(countyId, created.id, "open");
  const [link] = await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${created.id}`;
  return { id: created.id, link: link.code };
}

const submission = (code: string, over: Partial<Submission> = {}): Submission => ({
  code,
  clientKey: crypto.randomUUID(),
  versionId,
  answers: GOOD,
  startedAt: new Date(Date.now() - 90_000),
  deviceId: crypto.randomUUID(),
  householdCode: null,
  userAgent: "vitest",
  channel: "qr",
  collectedBy: null,
  ...over,
});

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const surveyId = await createSurvey({ id: null, countyId }, { title: "满意度调查", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
  [{ id: buildingId }] = await sql<
    { id: number }[]
  >`select id from places where level = 'building' and county_id = ${countyId} order by id limit 1`;
});

describe("resident submission", () => {
  it("stores one response for a double-tapped or retried submit, with place, version, channel and timing", async () => {
    const { id, link } = await campaignWith("unlimited");
    const s = submission(link);
    const [a, b] = await Promise.all([submitResponse(s), submitResponse(s)]);
    expect(a.ok && b.ok).toBe(true);
    const again = await submitResponse(s);
    expect(again).toMatchObject({ ok: true, replay: true });
    const rows = await sql`select place_id, survey_version_id, channel, duration_seconds, answers from responses where campaign_id = ${id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ place_id: buildingId, survey_version_id: versionId, channel: "qr", answers: GOOD });
    expect(rows[0].duration_seconds).toBeGreaterThanOrEqual(89);
    // Link counters are written in batches (app/models/link-counters.server.ts).
    await flushLinkCounters();
    const [counts] = await sql`select completions from campaign_links where code = ${link}`;
    expect(counts.completions).toBe(1);
  });

  it("rejects answers that fail validation with per-question Chinese errors, storing nothing", async () => {
    const { id, link } = await campaignWith("unlimited");
    const result = await submitResponse(submission(link, { answers: { know: "知道" } }));
    expect(result.ok).toBe(false);
    if (result.ok || result.reason !== "invalid") throw new Error("expected invalid");
    expect(Object.keys(result.errors)).toEqual(["env"]);
    expect(result.errors.env.join("")).toMatch(/[\u4e00-\u9fa5]/);
    expect(await sql`select 1 from responses where campaign_id = ${id}`).toHaveLength(0);
  });

  it("drops unknown fields and the answers of hidden questions", async () => {
    const { id, link } = await campaignWith("unlimited");
    const result = await submitResponse(submission(link, { answers: { know: "不知道", channel: ["微信"], env: "不满意", hacker: "x" } }));
    expect(result.ok).toBe(true);
    const [row] = await sql`select answers from responses where campaign_id = ${id}`;
    expect(row.answers).toEqual({ know: "不知道", env: "不满意" });
  });

  it("refuses a second response from the same device under the one-per-device policy", async () => {
    const { link } = await campaignWith("device");
    const deviceId = crypto.randomUUID();
    expect((await submitResponse(submission(link, { deviceId }))).ok).toBe(true);
    expect(await submitResponse(submission(link, { deviceId }))).toEqual({ ok: false, reason: "deviceUsed" });
    expect((await submitResponse(submission(link))).ok).toBe(true);
  });

  it("takes one response per household code, and only codes of this campaign and place", async () => {
    const { id, link } = await campaignWith("household");
    const codes = await householdCodesFor(await wholeCounty(countyId), id, buildingId);
    expect(codes.length).toBeGreaterThan(0);
    expect(await submitResponse(submission(link))).toEqual({ ok: false, reason: "codeRequired" });
    expect(await submitResponse(submission(link, { householdCode: "ZZZZZZZZ" }))).toEqual({ ok: false, reason: "codeUnknown" });
    expect((await submitResponse(submission(link, { householdCode: codes[0].code.toLowerCase() }))).ok).toBe(true);
    expect(await submitResponse(submission(link, { householdCode: codes[0].code }))).toEqual({ ok: false, reason: "codeUsed" });
    const [row] = await sql`select household_id is not null as linked from responses where campaign_id = ${id}`;
    expect(row.linked).toBe(true);
  });

  it("refuses submissions to a campaign that is not open, paused or closed, and for another version", async () => {
    const draft = await campaignWith("unlimited", "draft");
    expect(await submitResponse(submission(draft.link))).toEqual({ ok: false, reason: "notOpen" });
    const open = await campaignWith("unlimited");
    const stored = submission(open.link);
    expect((await submitResponse(stored)).ok).toBe(true);
    await setCampaignState(countyId, open.id, "paused");
    expect(await submitResponse(submission(open.link))).toEqual({ ok: false, reason: "paused" });
    await setCampaignState(countyId, open.id, "closed");
    expect(await submitResponse(submission(open.link))).toEqual({ ok: false, reason: "closed" });
    // A replay of a submission that was stored before closing still answers "stored".
    expect(await submitResponse(stored)).toMatchObject({ ok: true, replay: true });
    const other = await campaignWith("unlimited");
    expect(await submitResponse(submission(other.link, { versionId: versionId + 999 }))).toEqual({ ok: false, reason: "versionMismatch" });
    expect(await submitResponse(submission("nosuchcode"))).toEqual({ ok: false, reason: "notFound" });
  });

  it("never lets a stored response be edited or deleted; voiding is the only change", async () => {
    const { id, link } = await campaignWith("unlimited");
    await submitResponse(submission(link));
    await expect(sql`update responses set answers = '{}' where campaign_id = ${id}`).rejects.toThrow(/never edited/);
    await expect(sql`delete from responses where campaign_id = ${id}`).rejects.toThrow(/never deleted/);
    await sql`update responses set voided_at = now(), void_reason = '测试' where campaign_id = ${id}`;
    const resolved = await resolveLink(link);
    expect(resolved?.campaign.id).toBe(id);
  });
});

describe("the page of a campaign that is not open", () => {
  const page = async (code: string) => {
    const response = await pageLoader({
      request: new Request(`http://localhost/s/${code}`),
      params: { code },
      context: { cspNonce: "", clientIp: null },
    });
    return (response as unknown as { data: Record<string, unknown> }).data;
  };

  it("names a start time only when it lies ahead, and otherwise says the organiser has not opened it", async () => {
    // Opening time passed at 08:00, the office has not opened it at 08:39.
    const passed = await campaignWith("unlimited", "draft");
    const data = await page(passed.link);
    expect(data).toMatchObject({ state: "notOpen", opensAt: null });
    expect(translate("zh", "resident.notice.notOpen.body")).toBe("组织方还没有开放这次调查，开放后就可以填写，请稍后再扫码。");

    const ahead = new Date(Date.now() + 2 * 86400_000);
    const later = await campaignWith("unlimited", "open", ahead);
    expect(await page(later.link)).toMatchObject({ state: "notOpen", opensAt: ahead.toISOString() });
    expect(translate("zh", "resident.notice.notOpen.bodyAt", { when: "X" })).toBe("这次调查计划于 X 开始，请到时再扫码。");
  });
});

describe("a long answer posted from the form", () => {
  const post = (code: string, fields: [string, string][]) =>
    handleSubmission(
      new Request(`http://localhost/s/${code}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      }),
      code,
    );
  let link: { code: string; versionId: number };
  beforeAll(async () => {
    // The household template, whose suggestion box takes at most 500 characters.
    const surveyId = await createSurvey(
      { id: null, countyId },
      { title: "入户问卷", kind: "household", draft: loadTemplate("household-satisfaction.json") },
    );
    const version = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
    const created = await createCampaign(
      { id: null, countyId },
      {
        code: `t-long-${Date.now().toString(36)}`,
        name: "长文本",
        surveyVersionId: version,
        opensAt: new Date(Date.now() - 3600_000),
        closesAt: new Date(Date.now() + 86400_000),
        duplicatePolicy: "unlimited",
        targetPlaceIds: [buildingId],
      },
    );
    if (!("id" in created)) throw new Error(created.problem);
    await setCampaignState(countyId, created.id, "open");
    const [row] = await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${created.id}`;
    link = { code: row.code, versionId: version };
  });
  const answers: [string, string][] = [
    ["aware", "知道"],
    ["support", "支持"],
    ["participation", "参加过"],
    ["sat_environment", "满意"],
    ["sat_order", "满意"],
    ["sat_services", "满意"],
    ["sat_safety", "满意"],
    ["sat_overall", "满意"],
    ["sat_overall_5", "满意"],
    ["age_band", "60岁以上"],
    ["residence_years", "10年以上"],
  ];

  it("refuses 20,000 characters for a 500-character question beside it, storing nothing and giving every answer back", async () => {
    const key = crypto.randomUUID();
    const long = "路".repeat(20_000);
    const result = await post(link.code, [["__key", key], ["__version", String(link.versionId)], ...answers, ["suggestion", long]]);
    expect(result.status).toBe(422);
    expect(result.outcome).toEqual({
      ok: false,
      reason: "invalid",
      errors: { suggestion: ["最多 500 字，现在 20000 字，请删去 19500 字。"] },
    });
    expect(result.form?.answers).toMatchObject({ aware: "知道", sat_safety: "满意", suggestion: long });
    expect(result.form?.key).toBe(key);
    expect(await sql`select 1 from responses where client_key = ${key}`).toHaveLength(0);
  });

  it("gives back the answers before the cut of a body over the limit", async () => {
    const result = await post(link.code, [
      ["__key", crypto.randomUUID()],
      ["__version", String(link.versionId)],
      ...answers,
      ["suggestion", "路".repeat(MAX_SUBMISSION_BYTES)],
    ]);
    expect(result.status).toBe(413);
    expect(result.outcome).toEqual({ ok: false, reason: "tooLarge" });
    expect(result.form?.answers).toMatchObject({ aware: "知道", residence_years: "10年以上" });
  });
});
