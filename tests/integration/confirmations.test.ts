// Irreversible steps (close a campaign, void a response, disable an account, publish a version)
// happen only when the form carries the confirmation the confirmation step adds: a plain post
// without it answers with that step and changes nothing.
import type { ActionFunctionArgs } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, getCampaign, setCampaignState } from "~/models/campaigns.server";
import { getResponse, submitResponse } from "~/models/responses.server";
import { createSurvey, getSurvey, publishSurvey } from "~/models/surveys.server";
import { signIn } from "~/models/users.server";
import { commitSession } from "~/utils/session.server";
import { action as campaignAction } from "~/routes/campaigns.$campaignId";
import { action as responseAction } from "~/routes/responses.$responseId";
import { action as userAction } from "~/routes/admin.users.$userId";
import { action as surveyAction } from "~/routes/surveys.$surveyId";
import { seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { CLIENT, placeId, signedIn } from "./helpers";

const DEFINITION = {
  title: "确认测试问卷",
  pages: [{ elements: [{ type: "radiogroup", name: "env", title: "环境卫生满意吗？", isRequired: true, choices: ["满意", "不满意"] }] }],
};
const context = { cspNonce: "", clientIp: "127.0.0.1" };
let countyId: number;
let cookie: string;
let campaignId: number;
let versionId: number;
let surveyId: number;
let responseId: string;

type Result = { data: Record<string, unknown>; init: { status?: number } | null };

async function post(
  action: (args: ActionFunctionArgs) => Promise<unknown>,
  url: string,
  params: Record<string, string>,
  fields: Record<string, string>,
  multipart = false,
) {
  const body = multipart ? new FormData() : new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  const request = new Request(`http://test${url}`, { method: "POST", body, headers: { Cookie: cookie } });
  const result = await action({ request, params, context });
  return (result && typeof result === "object" && "data" in result ? result : { data: result, init: null }) as Result;
}

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const admin = await signedIn("admin", DEMO_PASSWORD);
  const session = await signIn("admin", DEMO_PASSWORD, CLIENT);
  if (!session.ok) throw new Error("sign-in failed");
  cookie = (await commitSession(new Request("http://test/"), session.token)).split(";")[0];
  surveyId = await createSurvey({ id: admin.id, countyId }, { title: "确认测试问卷", kind: "household", draft: DEFINITION });
  versionId = (await publishSurvey({ id: admin.id, countyId }, surveyId))!.id;
  const created = await createCampaign(
    { id: admin.id, countyId },
    {
      code: "confirm-test",
      name: "确认测试批次",
      surveyVersionId: versionId,
      opensAt: new Date(Date.now() - 3600_000),
      closesAt: new Date(Date.now() + 86400_000),
      duplicatePolicy: "unlimited",
      targetPlaceIds: [await placeId(countyId, "禾城街道", "锦湖社区")],
    },
  );
  if (!("id" in created)) throw new Error(created.problem);
  campaignId = created.id;
  await setCampaignState(countyId, campaignId, "open");
  const [link] = await sql<{ code: string }[]>`select code from campaign_links where campaign_id = ${campaignId} order by id limit 1`;
  const outcome = await submitResponse({
    code: link.code,
    clientKey: "confirm-0000",
    versionId,
    answers: { env: "满意" },
    startedAt: null,
    deviceId: null,
    householdCode: null,
    userAgent: null,
    channel: "qr",
    collectedBy: null,
  });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome));
  responseId = outcome.responseId;
});

describe("closing a campaign", () => {
  const close = (fields: Record<string, string>) =>
    post(campaignAction, `/campaigns/${campaignId}`, { campaignId: String(campaignId) }, fields);

  it("without the confirmation answers with the step and the campaign stays open", async () => {
    const result = await close({ state: "closed" });
    expect(result.data).toEqual({ confirm: "closed" });
    expect((await getCampaign(countyId, campaignId))!.state).toBe("open");
    expect(
      await sql`select 1 from audit_log where action = 'campaign.state' and details->>'campaignId' = ${String(campaignId)}`,
    ).toHaveLength(0);
  });

  it("reversible moves need no confirmation; closing with it closes", async () => {
    expect((await close({ state: "paused" })).data).toEqual({ changed: true, to: "paused" });
    expect((await close({ state: "closed", confirmed: "yes" })).data).toEqual({ changed: true, to: "closed" });
    expect((await getCampaign(countyId, campaignId))!.state).toBe("closed");
  });
});

describe("voiding a response", () => {
  const voidIt = (fields: Record<string, string>) => post(responseAction, `/responses/${responseId}`, { responseId }, fields);

  it("without the confirmation answers with the step, keeping the reason, and voids nothing", async () => {
    const result = await voidIt({ reason: "重复填写" });
    expect(result.data).toEqual({ ok: false, confirm: { reason: "重复填写" } });
    expect((await getResponse(await signedIn("admin", DEMO_PASSWORD), responseId))!.voided).toBeNull();
  });

  it("a bad reason is refused before any confirmation; with the confirmation it is voided", async () => {
    expect((await voidIt({ reason: " ", confirmed: "yes" })).init?.status).toBe(400);
    expect((await voidIt({ reason: "重复填写", confirmed: "yes" })).data).toEqual({ ok: true, outcome: "voided" });
    expect((await getResponse(await signedIn("admin", DEMO_PASSWORD), responseId))!.voided).toMatchObject({ reason: "重复填写" });
  });
});

describe("disabling an account", () => {
  let userId: number;
  const disabled = async () => (await sql<{ disabled: boolean }[]>`select disabled from users where id = ${userId}`)[0].disabled;
  const send = (fields: Record<string, string>) => post(userAction, `/admin/users/${userId}`, { userId: String(userId) }, fields);

  beforeAll(async () => {
    userId = (await sql<{ id: number }[]>`select id from users where username = 'volunteer' and county_id = ${countyId}`)[0].id;
  });

  it("without the confirmation answers with the step and the account keeps working", async () => {
    expect((await send({ intent: "disable" })).data).toEqual({ intent: "disable", confirm: true });
    expect(await disabled()).toBe(false);
    expect((await signIn("volunteer", DEMO_PASSWORD, CLIENT)).ok).toBe(true);
  });

  it("with the confirmation it is disabled; enabling again needs none", async () => {
    expect((await send({ intent: "disable", confirmed: "yes" })).data).toMatchObject({ ok: "users.disabledNow" });
    expect(await disabled()).toBe(true);
    expect((await send({ intent: "enable" })).data).toMatchObject({ ok: "users.enabledNow" });
    expect(await disabled()).toBe(false);
  });
});

describe("publishing a survey version", () => {
  const changed = { ...DEFINITION, pages: [{ elements: [{ ...DEFINITION.pages[0].elements[0], title: "小区环境卫生满意吗？" }] }] };
  const publish = (fields: Record<string, string>) =>
    post(
      surveyAction,
      `/surveys/${surveyId}`,
      { surveyId: String(surveyId) },
      { intent: "publish", title: "确认测试问卷", definition: JSON.stringify(changed), ...fields },
      true,
    );
  const versions = async () =>
    (await sql<{ n: number }[]>`select count(*)::int as n from survey_versions where survey_id = ${surveyId}`)[0].n;

  it("without the confirmation answers with the step (echoing what would be frozen) and publishes nothing", async () => {
    const result = await publish({});
    expect(result.data).toEqual({
      ok: false,
      errors: [],
      confirm: { title: "确认测试问卷", definition: JSON.stringify(changed), version: 2 },
    });
    expect(await versions()).toBe(1);
    // Not even the draft changes.
    expect((await getSurvey(countyId, surveyId))!.draft).toEqual(DEFINITION);
  });

  it("with the confirmation version 2 is frozen", async () => {
    expect((await publish({ confirmed: "yes" })).data).toEqual({ ok: true, published: { version: 2, created: true } });
    expect(await versions()).toBe(2);
  });
});
