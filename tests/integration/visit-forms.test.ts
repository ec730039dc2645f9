// Questionnaires on the volunteer's phone, on a real PostgreSQL: the round's campaign questionnaire
// filled with a resident (a response with channel "volunteer", the volunteer as collector, linked to
// the household), the round's quiz after "reached" (visit_answers, linked to the log), every kind of
// bad input, and the review of volunteer-collected responses with the tallies checked against a
// direct count after each step.
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "~/db.server";
import { createCampaign, setCampaignState } from "~/models/campaigns.server";
import { tallyDifferences } from "~/models/rates.server";
import { listResponses } from "~/models/responses.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { createUser, type CurrentUser } from "~/models/users.server";
import { flaggedResponses, reviewResponses } from "~/models/visit-forms.server";
import { assign, createRound, roundByCode, setRoundState, type VisitRound } from "~/models/visits.server";
import { action as formsAction } from "~/routes/api.visits.forms";
import { action as visitsAction } from "~/routes/api.visits";
import { loader as assignmentLoader } from "~/routes/api.visits.assignment";
import { loadTemplate } from "~/survey/templates.server";
import { buildRenderSurvey, type RenderSurvey } from "~/survey/render";
import { seedDemoCampaigns, seedDemoCounty, DEMO_PASSWORD } from "../../db/seed/index";
import { placeId, postJson, sessionCookie, signedIn } from "./helpers";

let countyId: number;
let admin: CurrentUser;
let volunteer: CurrentUser;
let round: VisitRound;
let campaignId: number;
let closedCampaignId: number;
let versionId: number;
let quizVersionId: number;
let questionnaire: RenderSurvey;
let quiz: RenderSurvey;
/** [0], [1] the volunteer's buildings, [2] another volunteer's. */
let buildings: { id: number; households: number[] }[];
const context = { cspNonce: "", clientIp: "127.0.0.1" };
const cookie = (username: string) => sessionCookie(username, DEMO_PASSWORD);
const call = async (action: Parameters<typeof postJson>[0], url: string, username: string, body: unknown) =>
  postJson(action, url, await cookie(username), body);

const postForms = async (forms: unknown[], code = "forms-round", username = "volunteer") => {
  const response = await call(formsAction, "http://test/api/visits/forms", username, { round: code, forms });
  return { status: response.status, body: (await response.json()) as { results: Record<string, unknown>[] } };
};

let seq = 0;
const key = () => `form-${++seq}-${Math.random().toString(36).slice(2, 10)}`;

/** A complete answer set: the first choice of every question, some text in every text box. */
function answersFor(survey: RenderSurvey, pick = 0): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const e of survey.elements) {
    if (e.type === "html") continue;
    if (e.type === "checkbox") answers[e.name] = [e.choices[pick % e.choices.length].value];
    else if (e.type === "matrix") answers[e.name] = Object.fromEntries(e.rows.map((r) => [String(r.value), e.columns[0].value]));
    else if (e.type === "text" || e.type === "comment")
      answers[e.name] = e.type === "text" && e.inputType === "number" ? "3" : "楼道灯坏了";
    else answers[e.name] = e.choices[pick % e.choices.length].value;
  }
  return answers;
}

const questionnaireForm = (householdId: number, extra: Record<string, unknown> = {}) => ({
  kind: "questionnaire",
  clientKey: key(),
  householdId,
  versionId,
  answers: answersFor(questionnaire),
  startedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
  finishedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  ...extra,
});

const storedFor = (clientKey: string) =>
  sql<{ channel: string; collectedBy: number; householdId: number; placeId: number; duration: number | null; voided: boolean }[]>`
    select channel, collected_by as "collectedBy", household_id as "householdId", place_id as "placeId",
      duration_seconds as duration, voided_at is not null as voided
    from responses where client_key = ${clientKey}`;

const responsesOf = async (campaign: number) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from responses where campaign_id = ${campaign}`)[0].n;

beforeAll(async () => {
  ({ countyId } = await seedDemoCounty());
  const campaigns = await seedDemoCampaigns(countyId);
  campaignId = campaigns.demo;
  closedCampaignId = campaigns["demo-w1"];
  admin = await signedIn("admin", DEMO_PASSWORD);
  volunteer = await signedIn("volunteer", DEMO_PASSWORD);
  const jinhu = await placeId(countyId, "禾城街道", "锦湖社区");
  const created = await createUser(countyId, {
    username: "vol2",
    displayName: "第二志愿者",
    phone: null,
    role: "volunteer",
    scope: { placeId: jinhu },
    password: DEMO_PASSWORD,
  });
  if (!("id" in created)) throw new Error(created.problem);
  const quizTemplate = loadTemplate("visit-quiz.json");
  const quizSurvey = await createSurvey(admin, { title: "入户宣传小测验", kind: "quiz", draft: quizTemplate });
  quizVersionId = (await publishSurvey(admin, quizSurvey))!.id;
  quiz = buildRenderSurvey(quizTemplate);
  [{ versionId }] = await sql<{ versionId: number }[]>`select survey_version_id as "versionId" from campaigns where id = ${campaignId}`;
  questionnaire = buildRenderSurvey(loadTemplate("household-satisfaction.json"));
  const made = await createRound(admin, {
    code: "forms-round",
    name: "问卷走访",
    startsAt: new Date("2026-11-01T00:00:00+08:00"),
    firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
    finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
    campaignId,
    quizVersionId,
    message: "请讲清测评时如实回答、不拒访。",
    unreachableAfter: 3,
    targetPlaceIds: [jinhu],
  });
  if (!("id" in made)) throw new Error(made.problem);
  round = (await roundByCode(countyId, "forms-round"))!;
  buildings = await sql<{ id: number; households: number[] }[]>`
    select b.id, array(select h.id from households h where h.building_id = b.id and not h.vacant order by h.id) as households
    from places b where b.level = 'building' and b.path @> array[${jinhu}]::int[] order by b.path, b.sort_order, b.id limit 3`;
  await assign(admin, round, { volunteerId: volunteer.id, placeIds: [buildings[0].id, buildings[1].id] });
  await assign(admin, round, { volunteerId: created.id, placeIds: [buildings[2].id] });
});

describe("the round's forms", () => {
  it("refuses a round naming a campaign or quiz of no county of the caller", async () => {
    const base = {
      code: "bad-forms",
      name: "x",
      startsAt: new Date("2026-11-01T00:00:00+08:00"),
      firstDeadline: new Date("2027-01-05T00:00:00+08:00"),
      finalDeadline: new Date("2027-01-08T00:00:00+08:00"),
      message: null,
      unreachableAfter: 3,
      targetPlaceIds: [buildings[0].id],
    };
    expect(await createRound(admin, { ...base, campaignId: 999_999 })).toEqual({ problem: "campaignNotFound" });
    expect(await createRound(admin, { ...base, campaignId: null, quizVersionId: 999_999 })).toEqual({ problem: "quizNotFound" });
  });

  it("come with the assignment: the questionnaire and the quiz as the phone draws them", async () => {
    const response = (await assignmentLoader({
      request: new Request("http://test/api/visits/assignment?round=forms-round", { headers: { Cookie: await cookie("volunteer") } }),
      params: {},
      context,
    })) as Response;
    const body = await response.json();
    expect(body.round.message).toBe("请讲清测评时如实回答、不拒访。");
    expect(body.forms.questionnaire).toMatchObject({ campaign: "demo", versionId, state: "open" });
    expect(body.forms.questionnaire.survey.elements.length).toBe(questionnaire.elements.length);
    expect(body.forms.quiz.versionId).toBe(quizVersionId);
    expect(body.forms.quiz.survey.title).toBe("入户宣传小测验");
    expect(body.forms.answered).toEqual([]);
  });
});

describe("the questionnaire filled with a resident", () => {
  it("is stored once as a volunteer-collected response of the household, and a resend is a duplicate", async () => {
    const household = buildings[0].households[0];
    const form = questionnaireForm(household);
    const before = await responsesOf(campaignId);
    const first = await postForms([form]);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([{ clientKey: form.clientKey, status: "stored" }]);
    const again = await postForms([form]);
    expect(again.body.results).toEqual([{ clientKey: form.clientKey, status: "duplicate" }]);
    expect(await responsesOf(campaignId)).toBe(before + 1);
    const [row] = await storedFor(form.clientKey);
    // Start to finish on the phone: five minutes, not the ten since it started.
    expect(row).toEqual({
      channel: "volunteer",
      collectedBy: volunteer.id,
      householdId: household,
      placeId: buildings[0].id,
      duration: 300,
      voided: false,
    });
    expect(await tallyDifferences(campaignId)).toBe(0);
    // The office's list names the channel's collector.
    const scope = { ...admin, id: admin.id };
    const list = await listResponses(scope, { campaignId, placeId: null, from: null, to: null, status: "all" });
    expect(list.rows.find((r) => r.collector === volunteer.displayName)).toMatchObject({ channel: "volunteer" });
  });

  it("refuses a household outside the volunteer's assignment, and one reassigned while the phone was offline", async () => {
    const before = await responsesOf(campaignId);
    const outside = questionnaireForm(buildings[2].households[0]);
    const { body } = await postForms([outside]);
    expect(body.results[0]).toMatchObject({ status: "refused", reason: "notAssigned", message: "这一户不在您负责的范围内。" });
    await assign(admin, round, { volunteerId: (await signedIn("vol2", DEMO_PASSWORD)).id, placeIds: [buildings[1].id] });
    const withdrawn = questionnaireForm(buildings[1].households[0]);
    const second = await postForms([withdrawn]);
    expect(second.body.results[0]).toMatchObject({ status: "refused", reason: "assignmentWithdrawn" });
    await assign(admin, round, { volunteerId: volunteer.id, placeIds: [buildings[1].id] });
    expect(await responsesOf(campaignId)).toBe(before);
  });

  it("refuses invalid answers with the resident page's errors per question, storing nothing; the good form beside it is stored", async () => {
    const before = await responsesOf(campaignId);
    const required = questionnaire.elements.find((e) => e.type === "radiogroup" && e.isRequired)!;
    const answers = answersFor(questionnaire);
    delete answers[required.name];
    const missing = questionnaireForm(buildings[0].households[1], { answers });
    const wrongChoice = questionnaireForm(buildings[0].households[2], {
      answers: { ...answersFor(questionnaire), [required.name]: "随便" },
    });
    const good = questionnaireForm(buildings[0].households[3]);
    const { body } = await postForms([missing, wrongChoice, good, { ...good, clientKey: "x" }, { ...good, kind: "poster" }]);
    expect(body.results[0]).toMatchObject({ status: "refused", reason: "invalid" });
    expect(Object.keys(body.results[0].errors as object)).toEqual([required.name]);
    expect(body.results[1]).toMatchObject({ status: "refused", reason: "invalid" });
    expect((body.results[1].errors as Record<string, string[]>)[required.name][0]).toMatch(/[\u4e00-\u9fff]/);
    expect(body.results[2]).toEqual({ clientKey: good.clientKey, status: "stored" });
    expect(body.results[3]).toMatchObject({ status: "refused", reason: "badClientKey" });
    expect(body.results[4]).toMatchObject({ status: "refused", reason: "repeatedInRequest" });
    expect(await responsesOf(campaignId)).toBe(before + 1);
    expect(await tallyDifferences(campaignId)).toBe(0);
  });

  it("refuses a questionnaire of a closed campaign or a closed round; a resend of a stored one still succeeds", async () => {
    const stored = questionnaireForm(buildings[0].households[4]);
    expect((await postForms([stored])).body.results[0].status).toBe("stored");
    await sql`update visit_rounds set campaign_id = ${closedCampaignId} where id = ${round.id}`;
    const [{ oldVersion }] = await sql<{ oldVersion: number }[]>`
      select survey_version_id as "oldVersion" from campaigns where id = ${closedCampaignId}`;
    const late = questionnaireForm(buildings[0].households[5], { versionId: oldVersion });
    expect((await postForms([late])).body.results[0]).toMatchObject({
      status: "refused",
      reason: "closed",
      message: "这次调查已经结束，问卷没有保存。",
    });
    await sql`update visit_rounds set campaign_id = ${campaignId} where id = ${round.id}`;
    await setRoundState(countyId, round.id, "closed");
    const { body } = await postForms([questionnaireForm(buildings[0].households[5]), stored]);
    expect(body.results[0]).toMatchObject({ status: "refused", reason: "roundClosed" });
    expect(body.results[1]).toMatchObject({ status: "duplicate" });
    await setRoundState(countyId, round.id, "open");
    expect(await tallyDifferences(campaignId)).toBe(0);
    expect(await tallyDifferences(closedCampaignId)).toBe(0);
  });

  it("refuses more than 20 forms in one request and a body that is not JSON", async () => {
    const many = Array.from({ length: 21 }, () => questionnaireForm(buildings[0].households[0]));
    expect((await postForms(many)).status).toBe(413);
    expect((await call(formsAction, "http://test/api/visits/forms", "volunteer", "{not json")).status).toBe(400);
    const signedOut = await formsAction({
      request: new Request("http://test/api/visits/forms", { method: "POST", body: "{}" }),
      params: {},
      context,
    }).catch((r: Response) => r);
    expect((signedOut as Response).status).toBe(401);
  });

  it("in a one-per-household campaign stands in for the household's slip: a second questionnaire of the household is refused", async () => {
    const made = await createCampaign(admin, {
      code: "hh-forms",
      name: "按户调查",
      surveyVersionId: versionId,
      opensAt: new Date("2026-11-01T00:00:00+08:00"),
      closesAt: new Date("2027-03-01T00:00:00+08:00"),
      duplicatePolicy: "household",
      targetPlaceIds: [buildings[0].id],
    });
    if (!("id" in made)) throw new Error(made.problem);
    await setCampaignState(countyId, made.id, "open");
    await sql`update visit_rounds set campaign_id = ${made.id} where id = ${round.id}`;
    const household = buildings[0].households[6];
    const first = questionnaireForm(household);
    const second = questionnaireForm(household);
    const { body } = await postForms([first, second]);
    expect(body.results.map((r) => r.status)).toEqual(["stored", "refused"]);
    expect(body.results[1]).toMatchObject({ reason: "codeUsed" });
    const [row] = await sql<{ householdId: number; code: string }[]>`
      select r.household_id as "householdId", c.code from responses r join household_codes c on c.id = r.household_code_id
      where r.client_key = ${first.clientKey}`;
    expect(row.householdId).toBe(household);
    expect(row.code).toMatch(/^[A-Z0-9]{8}$/);
    // Outside the campaign's targets (the round's second building): refused.
    expect((await postForms([questionnaireForm(buildings[1].households[0])])).body.results[0]).toMatchObject({ reason: "notInCampaign" });
    expect(await tallyDifferences(made.id)).toBe(0);
    await sql`update visit_rounds set campaign_id = ${campaignId} where id = ${round.id}`;
  });
});

describe("the quiz after reached", () => {
  const reached = (householdId: number) => ({ clientKey: key(), householdId, outcome: "reached", at: new Date().toISOString() });
  const quizForm = (householdId: number, visitKey: string, extra: Record<string, unknown> = {}) => ({
    kind: "quiz",
    clientKey: key(),
    householdId,
    versionId: quizVersionId,
    visitKey,
    answers: answersFor(quiz, 1),
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    finishedAt: new Date().toISOString(),
    ...extra,
  });

  it("stores the answers linked to the reached log and the household, once; refuses a quiz with no reached log, invalid answers or an old version", async () => {
    const household = buildings[0].households[7];
    const log = reached(household);
    const sent = await call(visitsAction, "http://test/api/visits", "volunteer", { round: "forms-round", visits: [log] });
    expect((await sent.json()).results[0].status).toBe("stored");
    const form = quizForm(household, log.clientKey);
    const orphan = quizForm(buildings[0].households[8], "no-such-log-key");
    const invalid = quizForm(household, log.clientKey, { answers: { heard_of_campaign: "知道" } });
    const oldVersion = quizForm(household, log.clientKey, { versionId });
    const { body } = await postForms([form, orphan, invalid, oldVersion, { ...form, clientKey: key() }]);
    expect(body.results.map((r) => r.reason ?? r.status)).toEqual([
      "stored",
      "visitNotFound",
      "invalid",
      "versionMismatch",
      "quizAnswered",
    ]);
    expect(Object.keys(body.results[2].errors as object).sort()).toEqual(["core_values_words", "hotline_number", "inspection_visit"]);
    expect((await postForms([form])).body.results[0].status).toBe("duplicate");
    const rows = await sql<
      { channel: string; logKey: string; householdId: number; collectedBy: number; answers: Record<string, unknown> }[]
    >`
      select a.channel, l.client_key as "logKey", a.household_id as "householdId", a.collected_by as "collectedBy", a.answers
      from visit_answers a join visit_logs l on l.id = a.visit_log_id where a.round_id = ${round.id}`;
    expect(rows).toEqual([
      { channel: "visit", logKey: log.clientKey, householdId: household, collectedBy: volunteer.id, answers: answersFor(quiz, 1) },
    ]);
    await expect(sql`update visit_answers set answers = '{}' where round_id = ${round.id}`).rejects.toThrow(/never edited/);
  });

  it("refuses a quiz after a log that was not reached", async () => {
    const household = buildings[0].households[9];
    const log = { ...reached(household), outcome: "notHome" };
    await call(visitsAction, "http://test/api/visits", "volunteer", { round: "forms-round", visits: [log] });
    expect((await postForms([quizForm(household, log.clientKey)])).body.results[0]).toMatchObject({ reason: "visitNotFound" });
  });
});

describe("review of volunteer-collected responses", () => {
  it("flags questionnaires done too fast and identical answer sets; a rejection voids them and the tallies follow", async () => {
    const households = buildings[1].households.slice(0, 6);
    const now = Date.now();
    // Five households with the very same answers, at a normal pace; one more done in 20 seconds.
    const same = households.slice(0, 5).map((h) =>
      questionnaireForm(h, {
        startedAt: new Date(now - 20 * 60_000).toISOString(),
        finishedAt: new Date(now - 10 * 60_000).toISOString(),
      }),
    );
    const fast = questionnaireForm(households[5], {
      answers: answersFor(questionnaire, 1),
      startedAt: new Date(now - 20_000).toISOString(),
      finishedAt: new Date(now).toISOString(),
    });
    const { body } = await postForms([...same, fast]);
    expect(body.results.every((r) => r.status === "stored")).toBe(true);
    const scope = { countyId, scopePlaceId: admin.scopePlaceId, scopeGridId: null };
    const flagged = await flaggedResponses(scope, round);
    const byKey = new Map<string, (typeof flagged)[number]>();
    for (const f of flagged) {
      const [{ clientKey }] = await sql<
        { clientKey: string }[]
      >`select client_key as "clientKey" from responses where id = ${f.id}::bigint`;
      byKey.set(clientKey, f);
    }
    for (const s of same) expect(byKey.get(s.clientKey)?.signals).toContain("identicalAnswers");
    // Questions answered, counted by the database (the server dropped answers to questions the answers hid).
    const [{ answered }] = await sql<{ answered: number }[]>`
      select (select count(*) from jsonb_object_keys(answers))::int as answered from responses where client_key = ${fast.clientKey}`;
    expect(answered).toBeGreaterThan(5);
    expect(byKey.get(fast.clientKey)).toMatchObject({ signals: ["tooFast"], durationSeconds: 20, answered, review: "unreviewed" });

    const counted = async () =>
      (
        await sql<{ n: number }[]>`
          select count(*)::int as n from responses where campaign_id = ${campaignId} and voided_at is null`
      )[0].n;
    const tallied = async () =>
      (await sql<{ n: number }[]>`select coalesce(sum(responses), 0)::int as n from response_tallies where campaign_id = ${campaignId}`)[0]
        .n;
    const [countedBefore, talliedBefore] = [await counted(), await tallied()];
    expect(talliedBefore).toBe(countedBefore);
    const fastId = byKey.get(fast.clientKey)!.id;
    const acceptedId = byKey.get(same[0].clientKey)!.id;
    expect(await reviewResponses(admin, round, [fastId], { state: "rejected", reason: "20 秒填完 15 题，不可能" }, null)).toBe(1);
    expect(await reviewResponses(admin, round, [acceptedId], { state: "accepted", reason: null }, null)).toBe(1);
    // Rejected once is rejected for good.
    expect(await reviewResponses(admin, round, [fastId], { state: "accepted", reason: null }, null)).toBe(0);
    expect(await counted()).toBe(countedBefore - 1);
    expect(await tallied()).toBe(talliedBefore - 1);
    expect(await tallyDifferences(campaignId)).toBe(0);
    const [fastRow] = await storedFor(fast.clientKey);
    expect(fastRow.voided).toBe(true);
    const after = await flaggedResponses(scope, round);
    expect(after.find((f) => f.id === fastId)).toMatchObject({ review: "rejected", reason: "20 秒填完 15 题，不可能" });
    expect(after.find((f) => f.id === acceptedId)).toMatchObject({ review: "accepted" });
    // Unreviewed ones come first.
    expect(after[0].review).toBe("unreviewed");
    const [audit] = await sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where action = 'response.void' and target = ${`response:${fastId}`}`;
    expect(audit.n).toBe(1);
  });
});
