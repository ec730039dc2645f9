// A few hundred submissions at once, some sent two or three times concurrently and again later,
// over the three duplicate policies: every acknowledged submission is stored exactly once, each
// replay answers with the same response, devices and household codes answer once, the link
// counters add up, and the tallies equal a direct count (docs/decisions/006-write-path.md).
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, householdCodesFor, setCampaignState, type DuplicatePolicy } from "~/models/campaigns.server";
import { flushLinkCounters } from "~/models/link-counters.server";
import { tallyDifferences } from "~/models/rates.server";
import { submitResponse, type Submission, type SubmitOutcome } from "~/models/responses.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { mulberry32 } from "~/domain/sampling";
import { handleSubmission } from "~/models/resident.server";
import { seedDemoCounty } from "../../db/seed/index";
import { wholeCounty } from "./helpers";

const DEFINITION = {
  title: "并发测试",
  pages: [
    {
      elements: [
        {
          type: "radiogroup",
          name: "know",
          isRequired: true,
          choices: ["知道", "不知道"],
          measure: "awareness",
          positiveAnswers: ["知道"],
        },
        { type: "checkbox", name: "channel", visibleIf: "{know} = '知道'", choices: ["电视", "微信", "社区宣传"] },
        {
          type: "radiogroup",
          name: "env",
          isRequired: true,
          choices: ["满意", "基本满意", "不满意"],
          measure: "satisfaction",
          positiveAnswers: ["满意", "基本满意"],
        },
        {
          type: "radiogroup",
          name: "order",
          choices: ["满意", "不满意", "不清楚"],
          measure: "satisfaction",
          positiveAnswers: ["满意"],
          excludedAnswers: ["不清楚"],
        },
      ],
    },
  ],
};

let countyId: number;
let versionId: number;
let communityId: number;
let buildingId: number;

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const surveyId = await createSurvey({ id: null, countyId }, { title: "并发测试", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: null, countyId }, surveyId))!.id;
  [{ id: communityId }] = await sql<
    { id: number }[]
  >`select id from places where level = 'community' and county_id = ${countyId} order by id limit 1`;
  [{ id: buildingId }] = await sql<{ id: number }[]>`
    select id from places where level = 'building' and path @> array[${communityId}]::int[] order by id limit 1`;
});

async function campaignWith(policy: DuplicatePolicy, target: number) {
  const opensAt = new Date(Date.now() - 3600_000);
  const created = await createCampaign(
    { id: null, countyId },
    {
      code: `c-${policy}-${Math.random().toString(36).slice(2, 8)}`,
      name: "并发",
      surveyVersionId: versionId,
      opensAt,
      closesAt: new Date(opensAt.getTime() + 2 * 86400_000),
      duplicatePolicy: policy,
      targetPlaceIds: [target],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  await setCampaignState(countyId, created.id, "open");
  const links = await sql<
    { id: number; code: string }[]
  >`select id, code from campaign_links where campaign_id = ${created.id} order by id`;
  return { id: created.id, links };
}

describe("concurrent submissions", () => {
  it("stores every acknowledged submission exactly once, replays included, and keeps the tallies exact", { timeout: 120_000 }, async () => {
    const rng = mulberry32(9);
    const oneOf = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
    const unlimited = await campaignWith("unlimited", communityId);
    const device = await campaignWith("device", communityId);
    const household = await campaignWith("household", buildingId);
    const codes = (await householdCodesFor(await wholeCounty(countyId), household.id, buildingId)).map((c) => c.code);
    expect(codes.length).toBeGreaterThan(5);

    const answers = () => {
      if (rng() < 0.08) return { env: "满意" }; // "know" is required: refused
      const know = oneOf(["知道", "不知道"]);
      return {
        know,
        env: oneOf(["满意", "基本满意", "不满意"]),
        ...(know === "知道" ? { channel: [oneOf(["电视", "微信"])] } : {}),
        ...(rng() < 0.7 ? { order: oneOf(["满意", "不满意", "不清楚"]) } : {}),
      };
    };
    const base = (link: string, over: Partial<Submission> = {}): Submission => ({
      code: link,
      clientKey: crypto.randomUUID(),
      versionId,
      answers: answers(),
      startedAt: new Date(Date.now() - 60_000),
      deviceId: crypto.randomUUID(),
      householdCode: null,
      userAgent: "vitest",
      channel: "qr",
      collectedBy: null,
      ...over,
    });
    const submissions: Submission[] = [];
    for (let i = 0; i < 160; i++) submissions.push(base(oneOf(unlimited.links).code));
    // Forty phones, some answering twice with a new client key (refused: one per device).
    const phones = Array.from({ length: 40 }, () => crypto.randomUUID());
    for (let i = 0; i < 80; i++) submissions.push(base(oneOf(device.links).code, { deviceId: oneOf(phones) }));
    // Household slips: some codes typed twice by different people, a few codes that do not exist.
    const slips = codes.slice(0, 6);
    for (let i = 0; i < 40; i++)
      submissions.push(base(household.links[0].code, { householdCode: rng() < 0.1 ? "ZZZZZZZZ" : oneOf(slips).toLowerCase() }));

    // Replays: about a quarter sent two or three times at once (double taps, retries).
    const sends: Submission[] = [];
    for (const s of submissions) {
      sends.push(s);
      if (rng() < 0.25) for (let n = 1 + Math.floor(rng() * 2); n > 0; n--) sends.push(s);
    }
    for (let i = sends.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [sends[i], sends[j]] = [sends[j], sends[i]];
    }
    expect(sends.length).toBeGreaterThan(300);

    // A tenth go through the form-post path (the page's own action), the rest straight to the model.
    const send = async (s: Submission, i: number): Promise<SubmitOutcome> => {
      if (i % 10 !== 0) return submitResponse(s);
      const a = s.answers as Record<string, unknown>;
      const form = new URLSearchParams({ __key: s.clientKey, __version: String(s.versionId), __household: s.householdCode ?? "" });
      for (const [k, v] of Object.entries(a)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, String(x));
      const request = new Request(`http://localhost/s/${s.code}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "User-Agent": "vitest",
          Cookie: await deviceCookieFor(s.deviceId!),
        },
        body: form,
      });
      return (await handleSubmission(request, s.code)).outcome as SubmitOutcome;
    };
    const outcomes = await Promise.all(sends.map(send));

    const byKey = new Map<string, SubmitOutcome[]>();
    sends.forEach((s, i) => byKey.set(s.clientKey, [...(byKey.get(s.clientKey) ?? []), outcomes[i]]));
    const accepted = new Map<string, string>();
    for (const [key, list] of byKey) {
      const ok = list.filter((o) => o.ok);
      // Copies of one submission all succeed, with one response, or all fail alike.
      if (ok.length) {
        expect(ok.length, key).toBe(list.length);
        const ids = new Set(ok.map((o) => (o.ok ? o.responseId : "")));
        expect(ids.size, key).toBe(1);
        expect(ok.filter((o) => o.ok && !o.replay).length, key).toBe(1);
        accepted.set(key, [...ids][0]);
      } else expect(new Set(list.map((o) => (!o.ok ? o.reason : ""))).size, key).toBe(1);
    }
    const reasons = outcomes.filter((o): o is Extract<SubmitOutcome, { ok: false }> => !o.ok).map((o) => o.reason);
    expect(reasons).toContain("invalid");
    expect(reasons).toContain("deviceUsed");
    expect(reasons).toContain("codeUsed");
    expect(reasons).toContain("codeUnknown");
    expect(outcomes.every((o) => o.ok || ["invalid", "deviceUsed", "codeUsed", "codeUnknown"].includes(o.reason))).toBe(true);

    // Later retries of accepted submissions answer with the same response.
    const retried = [...accepted.keys()].slice(0, 50);
    const again = await Promise.all(retried.map((key) => submitResponse(submissions.find((s) => s.clientKey === key)!)));
    again.forEach((o, i) => expect(o).toEqual({ ok: true, responseId: accepted.get(retried[i]), replay: true }));

    // Stored exactly once: one row per acknowledged key, with the acknowledged id, nothing else.
    const campaigns = [unlimited.id, device.id, household.id];
    const rows = await sql<
      { id: string; client_key: string; campaign_id: number; device_id: string | null; household_code_id: number | null; link_id: number }[]
    >`
      select id::text, client_key, campaign_id, device_id, household_code_id, link_id from responses where campaign_id = any(${campaigns}::int[])`;
    expect(rows.length).toBe(accepted.size);
    for (const r of rows) expect(accepted.get(r.client_key)).toBe(r.id);
    const deviceRows = rows.filter((r) => r.campaign_id === device.id);
    expect(new Set(deviceRows.map((r) => r.device_id)).size).toBe(deviceRows.length);
    const [{ claims }] = await sql<{ claims: number }[]>`
      select count(*)::int as claims from campaign_devices d join responses r on r.id = d.response_id and r.device_id = d.device_id
      where d.campaign_id = ${device.id}`;
    expect(claims).toBe(deviceRows.length);
    const householdRows = rows.filter((r) => r.campaign_id === household.id);
    expect(new Set(householdRows.map((r) => r.household_code_id)).size).toBe(householdRows.length);
    const [{ used }] = await sql<
      { used: number }[]
    >`select count(*)::int as used from household_codes where campaign_id = ${household.id} and used_at is not null`;
    expect(used).toBe(householdRows.length);
    expect(householdRows.length).toBeLessThanOrEqual(slips.length);

    // Completions counted once per stored response, per link.
    await flushLinkCounters();
    const counted = await sql<{ id: number; completions: number }[]>`
      select id, completions from campaign_links where campaign_id = any(${campaigns}::int[])`;
    for (const l of counted) expect(l.completions, `link ${l.id}`).toBe(rows.filter((r) => r.link_id === l.id).length);

    for (const id of campaigns) expect(await tallyDifferences(id)).toBe(0);
  });
});

/** The device cookie the resident page would have set. */
async function deviceCookieFor(id: string) {
  const { deviceCookie } = await import("~/models/resident.server");
  return (await deviceCookie.serialize(id)).split(";")[0];
}
