// Campaigns (调查批次): a published survey version put to target areas for a time window,
// with one resident link per compound and per building inside the targets.
import { randomInt } from "node:crypto";
import { sql } from "~/db.server";
import type { Level } from "~/domain/places";
import type { CurrentUser } from "~/models/users.server";

export const CAMPAIGN_STATES = ["draft", "open", "paused", "closed"] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const DUPLICATE_POLICIES = ["household", "device", "unlimited"] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

// No 0/O, 1/l/I: codes are read off paper and typed by elderly residents.
const LINK_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
const SLIP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

export function randomCode(length: number, alphabet = LINK_ALPHABET): string {
  let code = "";
  for (let i = 0; i < length; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

export type Campaign = {
  id: number;
  code: string;
  name: string;
  surveyVersionId: number;
  surveyId: number;
  surveyTitle: string;
  version: number;
  opensAt: Date;
  closesAt: Date;
  state: CampaignState;
  duplicatePolicy: DuplicatePolicy;
  createdAt: Date;
};

const campaignColumns = sql`
  c.id, c.code, c.name, c.survey_version_id as "surveyVersionId", v.survey_id as "surveyId",
  v.title as "surveyTitle", v.version, c.opens_at as "opensAt", c.closes_at as "closesAt", c.state,
  c.duplicate_policy as "duplicatePolicy", c.created_at as "createdAt"`;

export async function listCampaigns(countyId: number) {
  return sql<(Campaign & { responses: number; links: number })[]>`
    select ${campaignColumns},
      (select count(*)::int from responses r where r.campaign_id = c.id and r.voided_at is null) as responses,
      (select count(*)::int from campaign_links l where l.campaign_id = c.id) as links
    from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${countyId} order by c.created_at desc, c.id desc`;
}

export async function getCampaign(countyId: number, campaignId: number): Promise<Campaign | null> {
  const [campaign] = await sql<Campaign[]>`
    select ${campaignColumns} from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${countyId} and c.id = ${campaignId}`;
  return campaign ?? null;
}

export async function findCampaignByCode(countyId: number, code: string): Promise<Campaign | null> {
  const [campaign] = await sql<Campaign[]>`
    select ${campaignColumns} from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${countyId} and c.code = ${code}`;
  return campaign ?? null;
}

export type NewCampaign = {
  code: string;
  name: string;
  surveyVersionId: number;
  opensAt: Date;
  closesAt: Date;
  duplicatePolicy: DuplicatePolicy;
  /** Communities, compounds or buildings of the county. */
  targetPlaceIds: number[];
};

export type CampaignProblem = "codeTaken" | "versionNotFound" | "targetNotFound" | "noTargets";

/** Creates the campaign, its targets and a link for every compound and building inside them. */
export async function createCampaign(
  actor: { id: number | null; countyId: number },
  input: NewCampaign,
): Promise<{ id: number } | { problem: CampaignProblem }> {
  if (input.targetPlaceIds.length === 0) return { problem: "noTargets" };
  return sql.begin(async (tx) => {
    const [version] = await tx`select id from survey_versions where id = ${input.surveyVersionId} and county_id = ${actor.countyId}`;
    if (!version) return { problem: "versionNotFound" as const };
    const targets = await tx<{ id: number }[]>`
      select id from places where id = any(${input.targetPlaceIds}::int[]) and county_id = ${actor.countyId}
        and level in ('community','compound','building')`;
    if (targets.length !== new Set(input.targetPlaceIds).size) return { problem: "targetNotFound" as const };
    const [taken] = await tx`select 1 from campaigns where code = ${input.code}`;
    if (taken) return { problem: "codeTaken" as const };
    const [campaign] = await tx<{ id: number }[]>`
      insert into campaigns (county_id, code, name, survey_version_id, opens_at, closes_at, duplicate_policy, created_by)
      values (${actor.countyId}, ${input.code}, ${input.name}, ${input.surveyVersionId}, ${input.opensAt},
              ${input.closesAt}, ${input.duplicatePolicy}, ${actor.id})
      returning id`;
    await tx`insert into campaign_targets ${tx(targets.map((t) => ({ campaign_id: campaign.id, county_id: actor.countyId, place_id: t.id })))}`;
    const places = await tx<{ id: number }[]>`
      select distinct p.id from places p
      where p.county_id = ${actor.countyId} and p.level in ('compound','building')
        and p.path && ${targets.map((t) => t.id)}::int[]
        -- a building target gets its own link but not its compound's
        and (p.level = 'building' or exists (select 1 from campaign_targets ct join places tp on tp.id = ct.place_id
             where ct.campaign_id = ${campaign.id} and tp.level <> 'building' and p.path @> array[tp.id]))`;
    for (let i = 0; i < places.length; i += 2000) {
      await tx`insert into campaign_links ${tx(
        places.slice(i, i + 2000).map((p) => ({ county_id: actor.countyId, campaign_id: campaign.id, place_id: p.id, code: randomCode(8) })),
      )}`;
    }
    return { id: campaign.id };
  });
}

/** Allowed transitions: draft → open; open ⇄ paused; open/paused → closed. Closed is final. */
export function canMoveTo(from: CampaignState, to: CampaignState): boolean {
  const allowed: Record<CampaignState, CampaignState[]> = {
    draft: ["open", "closed"],
    open: ["paused", "closed"],
    paused: ["open", "closed"],
    closed: [],
  };
  return allowed[from].includes(to);
}

export async function setCampaignState(countyId: number, campaignId: number, to: CampaignState): Promise<boolean> {
  const campaign = await getCampaign(countyId, campaignId);
  if (!campaign || !canMoveTo(campaign.state, to)) return false;
  const result = await sql`update campaigns set state = ${to} where id = ${campaignId} and state = ${campaign.state}`;
  return result.count === 1;
}

/** Whether residents may answer now, and if not, why (an i18n key suffix). */
export function campaignAvailability(c: Pick<Campaign, "state" | "opensAt" | "closesAt">, now = new Date()) {
  if (c.state === "closed" || now >= new Date(c.closesAt)) return "closed" as const;
  if (c.state === "paused") return "paused" as const;
  if (c.state === "draft" || now < new Date(c.opensAt)) return "notOpen" as const;
  return "open" as const;
}

export type CampaignLink = {
  id: number;
  code: string;
  placeId: number;
  placeName: string;
  level: Level;
  compoundName: string | null;
  communityName: string;
  streetName: string;
  opens: number;
  starts: number;
  completions: number;
};

/** The campaign's links inside the user's scope, in register order. */
export async function linksOf(user: Pick<CurrentUser, "countyId" | "scopePlaceId" | "scopeGridId">, campaignId: number) {
  const scope =
    user.scopeGridId === null
      ? sql`p.path @> array[${user.scopePlaceId}]::int[]`
      : sql`p.path && (select coalesce(array_agg(building_id), '{}') from grid_buildings where grid_id = ${user.scopeGridId})`;
  return sql<CampaignLink[]>`
    select l.id, l.code, p.id as "placeId", p.name as "placeName", p.level,
      case when p.level = 'building' then cp.name end as "compoundName",
      cm.name as "communityName", st.name as "streetName", l.opens, l.starts, l.completions
    from campaign_links l
    join places p on p.id = l.place_id
    join places cp on cp.id = p.path[4]
    join places cm on cm.id = p.path[3]
    join places st on st.id = p.path[2]
    where l.campaign_id = ${campaignId} and l.county_id = ${user.countyId} and ${scope}
    order by p.path[3], cp.sort_order, p.path[4], p.level = 'building', p.sort_order, p.id`;
}

export type ResidentLink = {
  linkId: number;
  code: string;
  countyId: number;
  placeId: number;
  placeName: string;
  placeLabel: string;
  campaign: Campaign;
  definition: Record<string, unknown>;
};

/** Everything the resident page needs for a link code; null for an unknown code. */
export async function resolveLink(code: string): Promise<ResidentLink | null> {
  if (!/^[A-Za-z0-9]{6,16}$/.test(code)) return null;
  const [row] = await sql<(Omit<ResidentLink, "campaign"> & { campaignId: number })[]>`
    select l.id as "linkId", l.code, l.county_id as "countyId", l.place_id as "placeId", p.name as "placeName",
      (select string_agg(a.name, ' ' order by array_length(a.path, 1)) from places a
        where a.id = any(p.path) and a.level in ('community','compound','building')) as "placeLabel",
      l.campaign_id as "campaignId", v.definition
    from campaign_links l join places p on p.id = l.place_id
    join campaigns c on c.id = l.campaign_id join survey_versions v on v.id = c.survey_version_id
    where l.code = ${code}`;
  if (!row) return null;
  const campaign = await getCampaign(row.countyId, row.campaignId);
  const { campaignId: _c, ...link } = row;
  return { ...link, campaign: campaign! };
}

export async function countLinkEvent(linkId: number, event: "opens" | "starts") {
  await sql`update campaign_links set ${sql(event)} = ${sql(event)} + 1 where id = ${linkId}`;
}

/** One-time codes for every non-vacant household of a building (kept if they exist already). */
export async function householdCodesFor(countyId: number, campaignId: number, buildingId: number) {
  await sql.begin(async (tx) => {
    const missing = await tx<{ id: number }[]>`
      select h.id from households h
      where h.building_id = ${buildingId} and h.county_id = ${countyId} and not h.vacant
        and not exists (select 1 from household_codes c where c.campaign_id = ${campaignId} and c.household_id = h.id)`;
    if (missing.length)
      await tx`insert into household_codes ${tx(
        missing.map((h) => ({ county_id: countyId, campaign_id: campaignId, place_id: buildingId, household_id: h.id, code: randomCode(8, SLIP_ALPHABET) })),
      )}`;
  });
  return sql<{ code: string; room: string; stairwell: string | null; usedAt: Date | null }[]>`
    select c.code, h.room, case when s.level = 'stairwell' then s.name end as stairwell, c.used_at as "usedAt"
    from household_codes c join households h on h.id = c.household_id join places s on s.id = h.place_id
    where c.campaign_id = ${campaignId} and c.place_id = ${buildingId}
    order by s.sort_order, s.id, length(h.room), h.room`;
}
