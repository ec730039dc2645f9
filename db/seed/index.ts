// The demo county: a fictional register of ~20,000 households written through the same code
// path as a register import, and one account per role.
import { sql } from "~/db.server";
import { createCounty, countCounties, findCounty } from "~/models/counties.server";
import { applyRegisterRows } from "~/models/register.server";
import type { RegisterRow, RegisterSummary } from "~/domain/register-import";
import { createUser } from "~/models/users.server";
import type { Role } from "~/utils/permissions";
import { createCampaign, setCampaignState } from "~/models/campaigns.server";
import { createSurvey, publishSurvey } from "~/models/surveys.server";
import { loadTemplate } from "~/survey/templates.server";
import { DEMO_COUNTY, generateDemoRegister } from "./demo-county";
import { seedDemoResponses } from "./demo-responses";
import { DEMO_ROUND, seedDemoVisits } from "./demo-visits";
import { seedDemoCallbacks } from "./demo-callbacks";

export const DEMO_PASSWORD = "demo2026";

type DemoAccount = { username: string; displayName: string; phone: string; role: Role; scope: "county" | "street" | "community" | "grid" };

export const DEMO_ACCOUNTS: DemoAccount[] = [
  { username: "admin", displayName: "县文明办管理员", phone: "19900010001", role: "admin", scope: "county" },
  { username: "street", displayName: "街道工作人员", phone: "19900010002", role: "street_staff", scope: "street" },
  { username: "community", displayName: "社区工作人员", phone: "19900010003", role: "community_staff", scope: "community" },
  { username: "grid", displayName: "网格长", phone: "19900010004", role: "grid_leader", scope: "grid" },
  { username: "volunteer", displayName: "志愿者", phone: "19900010005", role: "volunteer", scope: "community" },
  { username: "hotline", displayName: "12345回访员", phone: "19900010006", role: "hotline_agent", scope: "county" },
  { username: "viewer", displayName: "领导查看", phone: "19900010007", role: "viewer", scope: "county" },
  { username: "hotline2", displayName: "12345回访员二", phone: "19900010008", role: "hotline_agent", scope: "county" },
];

/** The demo county with its accounts; `register` replaces the generated register (the benchmark's larger county). */
export async function seedDemoCounty(
  register: RegisterRow[] = generateDemoRegister(),
): Promise<{ countyId: number; summary: RegisterSummary }> {
  const county = await createCounty(DEMO_COUNTY.code, DEMO_COUNTY.name);
  const summary = await sql.begin((tx) => applyRegisterRows(tx, county.id, register));
  const [firstStreet] = await sql<{ id: number }[]>`
    select id from places where county_id = ${county.id} and level = 'street' order by sort_order, id limit 1`;
  const [firstCommunity] = await sql<{ id: number }[]>`
    select id from places where county_id = ${county.id} and parent_id = ${firstStreet.id} order by sort_order, id limit 1`;
  const [firstGrid] = await sql<{ id: number }[]>`
    select id from grids where county_id = ${county.id} and community_id = ${firstCommunity.id} order by id limit 1`;
  for (const account of DEMO_ACCOUNTS) {
    const scope =
      account.scope === "grid"
        ? { gridId: firstGrid.id }
        : { placeId: { county: county.rootPlaceId, street: firstStreet.id, community: firstCommunity.id }[account.scope] };
    const created = await createUser(county.id, { ...account, scope, password: DEMO_PASSWORD });
    if ("problem" in created) throw new Error(`demo account ${account.username}: ${created.problem}`);
  }
  return { countyId: county.id, summary };
}

const DAY = 24 * 3600 * 1000;

/** The demo questionnaire, published, and two waves of it over all seven communities: the
 *  first (code demo-w1) closed, the second (code demo) open for residents now. */
export async function seedDemoCampaigns(countyId: number, now = new Date()) {
  const template = loadTemplate("household-satisfaction.json");
  const actor = { id: null, countyId };
  const surveyId = await createSurvey(actor, { title: String(template.title), kind: "household", draft: template });
  const version = await publishSurvey(actor, surveyId);
  const communities = await sql<{ id: number }[]>`
    select id from places where county_id = ${countyId} and level = 'community' order by sort_order, id`;
  const waves = [
    {
      code: "demo-w1",
      name: "第一轮入户模拟调查",
      opensAt: new Date(now.getTime() - 70 * DAY),
      closesAt: new Date(now.getTime() - 42 * DAY),
      final: "closed" as const,
    },
    {
      code: "demo",
      name: "第二轮入户模拟调查",
      opensAt: new Date(now.getTime() - 35 * DAY),
      closesAt: new Date(now.getTime() + 60 * DAY),
      final: "open" as const,
    },
  ];
  const ids: Record<string, number> = {};
  for (const wave of waves) {
    const created = await createCampaign(actor, {
      code: wave.code,
      name: wave.name,
      surveyVersionId: version!.id,
      opensAt: wave.opensAt,
      closesAt: wave.closesAt,
      duplicatePolicy: "device",
      targetPlaceIds: communities.map((c) => c.id),
    });
    if (!("id" in created)) throw new Error(`demo campaign ${wave.code}: ${created.problem}`);
    await setCampaignState(countyId, created.id, "open");
    if (wave.final === "closed") await setCampaignState(countyId, created.id, "closed");
    ids[wave.code] = created.id;
  }
  return ids;
}

/** The demo department account `dept` (县城管局): it sees and reports only its own follow-ups. */
export async function seedDepartmentAccount(countyId: number) {
  const [department] = await sql<{ id: number }[]>`select id from departments where county_id = ${countyId} and name = '县城管局'`;
  const [root] = await sql<{ id: number }[]>`select id from places where county_id = ${countyId} and level = 'county'`;
  const created = await createUser(countyId, {
    username: "dept",
    displayName: "县城管局承办人",
    phone: "19900010009",
    role: "department",
    scope: { placeId: root.id },
    departmentId: department.id,
    password: DEMO_PASSWORD,
  });
  if ("problem" in created) throw new Error(`demo account dept: ${created.problem}`);
}

/** Loads the demo county into a database that has no county yet; returns whether it did. */
export async function seedDemoIfEmpty(): Promise<boolean> {
  if ((await countCounties()) > 0 || (await findCounty(DEMO_COUNTY.code))) return false;
  const { countyId } = await seedDemoCounty();
  const campaigns = await seedDemoCampaigns(countyId);
  await seedDemoResponses({ countyId, campaignId: campaigns["demo-w1"], seed: 1, weeksBack: 4 });
  await seedDemoResponses({ countyId, campaignId: campaigns.demo, seed: 2, weeksBack: 5 });
  // Synthetic responses bypass the resident page: give the links plausible open/start counts.
  await sql`update campaign_links set starts = completions + completions / 6 + id % 3,
            opens = completions + completions / 3 + id % 5 where county_id = ${countyId}`;
  await seedDemoVisits(countyId);
  await seedDemoRoundForms(countyId, campaigns.demo);
  await seedDemoCallbacks(countyId);
  await seedDepartmentAccount(countyId);
  // Statistics for what was just bulk-loaded, now rather than when autovacuum gets to it: without
  // them the planner takes the county's 20,000 households for a hundred, and a volunteer's
  // assignment (a nested loop per household) took 2–5 s instead of ~0.1 s on a fresh start.
  await sql`analyze`;
  return true;
}

/** The demo round's forms: volunteers fill the open campaign's questionnaire with residents, and
 *  the short quiz of surveys/visit-quiz.json follows every "reached" tap. */
export async function seedDemoRoundForms(countyId: number, campaignId: number) {
  const template = loadTemplate("visit-quiz.json");
  const actor = { id: null, countyId };
  const surveyId = await createSurvey(actor, { title: String(template.title), kind: "quiz", draft: template });
  const version = await publishSurvey(actor, surveyId);
  await sql`update visit_rounds set campaign_id = ${campaignId}, quiz_version_id = ${version!.id}
            where county_id = ${countyId} and code = ${DEMO_ROUND}`;
}
