// Campaigns (调查批次): a published survey version put to target areas for a time window,
// with one resident link per compound and per building inside the targets.
import { randomInt } from "node:crypto";
import { sql } from "~/db.server";
import { countLink, type CountedLink, type LinkVisitor } from "~/models/link-counters.server";
import { inScope } from "~/models/places.server";
import { CAMPAIGN_CODE, canMoveTo, type CampaignState, type DuplicatePolicy } from "~/domain/campaigns";
import type { Level } from "~/domain/places";
import type { ScopedUser } from "~/models/users.server";

export { CAMPAIGN_STATES, DUPLICATE_POLICIES, canMoveTo, type CampaignState, type DuplicatePolicy } from "~/domain/campaigns";

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

/** SQL condition on campaign `c`: it covers part of the user's scope (a target inside the scope,
 *  or a link inside it when the scope lies inside a target). The county's scope covers them all.
 *  Every list of campaigns shown to a user is filtered by it: a campaign's name is not for staff
 *  it does not concern. */
export function coversScope(user: ScopedUser) {
  return sql`(
    exists (select 1 from campaign_targets ct join places tp on tp.id = ct.place_id
            where ct.campaign_id = c.id and ${inScope(user, "tp.path")})
    or exists (select 1 from campaign_links cl join places lp on lp.id = cl.place_id
               where cl.campaign_id = c.id and ${inScope(user, "lp.path")}))`;
}

/** The campaigns over the user's scope, newest first, with their responses and links inside it. */
export async function listCampaigns(user: ScopedUser) {
  return sql<(Campaign & { responses: number; links: number })[]>`
    select ${campaignColumns},
      (select count(*)::int from responses r where r.campaign_id = c.id and r.voided_at is null and ${inScope(user, "r.path")}) as responses,
      (select count(*)::int from campaign_links l join places p on p.id = l.place_id
        where l.campaign_id = c.id and ${inScope(user, "p.path")}) as links
    from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${user.countyId} and ${coversScope(user)}
    order by c.created_at desc, c.id desc`;
}

/** A campaign of the county that covers part of the user's scope, or null (a 404 for the user). */
export async function campaignInScope(user: ScopedUser, campaignId: number): Promise<Campaign | null> {
  const [campaign] = await sql<Campaign[]>`
    select ${campaignColumns} from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${user.countyId} and c.id = ${campaignId} and ${coversScope(user)}`;
  return campaign ?? null;
}

export async function getCampaign(countyId: number, campaignId: number): Promise<Campaign | null> {
  const [campaign] = await sql<Campaign[]>`
    select ${campaignColumns} from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.county_id = ${countyId} and c.id = ${campaignId}`;
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

export type CampaignProblem = "codeInvalid" | "codeTaken" | "versionNotFound" | "targetNotFound" | "noTargets";

/** Creates the campaign, its targets and a link for every compound and building inside them.
 *  A target inside another target is dropped: the outer one already covers it. */
export async function createCampaign(
  actor: { id: number | null; countyId: number },
  input: NewCampaign,
): Promise<{ id: number; links: number } | { problem: CampaignProblem }> {
  if (!CAMPAIGN_CODE.test(input.code)) return { problem: "codeInvalid" };
  if (input.targetPlaceIds.length === 0) return { problem: "noTargets" };
  try {
    return await sql.begin(async (tx) => {
      const [version] = await tx`select id from survey_versions where id = ${input.surveyVersionId} and county_id = ${actor.countyId}`;
      if (!version) return { problem: "versionNotFound" as const };
      const found = await tx<{ id: number; path: number[] }[]>`
        select id, path from places where id = any(${input.targetPlaceIds}::int[]) and county_id = ${actor.countyId}
          and level in ('community','compound','building')`;
      if (found.length !== new Set(input.targetPlaceIds).size) return { problem: "targetNotFound" as const };
      const ids = new Set(found.map((t) => t.id));
      const targets = found.filter((t) => !t.path.some((ancestor) => ancestor !== t.id && ids.has(ancestor)));
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
          places
            .slice(i, i + 2000)
            .map((p) => ({ county_id: actor.countyId, campaign_id: campaign.id, place_id: p.id, code: randomCode(8) })),
        )}`;
      }
      return { id: campaign.id, links: places.length };
    });
  } catch (error) {
    // Two offices creating the same code at once: the unique index decides.
    if (error instanceof Error && "constraint_name" in error && error.constraint_name === "campaigns_code_key")
      return { problem: "codeTaken" };
    throw error;
  }
}

export async function setCampaignState(countyId: number, campaignId: number, to: CampaignState): Promise<boolean> {
  const campaign = await getCampaign(countyId, campaignId);
  if (!campaign || !canMoveTo(campaign.state, to)) return false;
  const result =
    await sql`update campaigns set state = ${to} where county_id = ${countyId} and id = ${campaignId} and state = ${campaign.state}`;
  // The resident pages of this instance show the new state at once (others within PAGE_CAMPAIGN_MS).
  campaigns.delete(campaignId);
  return result.count === 1;
}

export type CampaignLink = {
  id: number;
  code: string;
  placeId: number;
  placeName: string;
  level: Level;
  compoundId: number;
  compoundName: string | null;
  communityName: string;
  streetName: string;
  opens: number;
  starts: number;
  completions: number;
};

function queryLinks(countyId: number, campaignId: number, condition: ReturnType<typeof inScope>) {
  return sql<CampaignLink[]>`
    select l.id, l.code, p.id as "placeId", p.name as "placeName", p.level, cp.id as "compoundId",
      case when p.level = 'building' then cp.name end as "compoundName",
      cm.name as "communityName", st.name as "streetName", l.opens, l.starts, l.completions
    from campaign_links l
    join places p on p.id = l.place_id
    join places cp on cp.id = p.path[4]
    join places cm on cm.id = p.path[3]
    join places st on st.id = p.path[2]
    where l.campaign_id = ${campaignId} and l.county_id = ${countyId} and ${condition}
    order by st.sort_order, p.path[2], cm.sort_order, p.path[3], cp.sort_order, p.path[4], p.level = 'building', p.sort_order, p.id`;
}

/** The campaign's links inside the user's scope, in register order. */
export async function linksOf(user: ScopedUser, campaignId: number) {
  return queryLinks(user.countyId, campaignId, inScope(user, "p.path"));
}

/** All of a campaign's links (the command line and other county-wide uses). */
export async function allLinksOf(countyId: number, campaignId: number) {
  return queryLinks(countyId, campaignId, sql`true`);
}

/** The links at or below one place (a compound's door posters), inside the user's scope. */
export async function linksUnder(user: ScopedUser, campaignId: number, placeId: number) {
  return queryLinks(user.countyId, campaignId, sql`${inScope(user, "p.path")} and p.path @> array[${placeId}]::int[]`);
}

export async function linkOf(user: ScopedUser, campaignId: number, code: string): Promise<CampaignLink | null> {
  const [link] = await queryLinks(user.countyId, campaignId, sql`${inScope(user, "p.path")} and l.code = ${code}`);
  return link ?? null;
}

/** A campaign found by its code in any county (codes are unique across counties). */
export async function campaignByCode(code: string): Promise<{ countyId: number; countyName: string; campaign: Campaign } | null> {
  const [row] = await sql<{ countyId: number; countyName: string; campaignId: number }[]>`
    select c.county_id as "countyId", k.name as "countyName", c.id as "campaignId"
    from campaigns c join counties k on k.id = c.county_id where c.code = ${code}`;
  if (!row) return null;
  const campaign = await getCampaign(row.countyId, row.campaignId);
  return campaign && { countyId: row.countyId, countyName: row.countyName, campaign };
}

/** Responses that count (not voided) for a campaign, inside the user's scope. */
export async function responseCount(user: ScopedUser, campaignId: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from responses r
    where r.campaign_id = ${campaignId} and r.county_id = ${user.countyId} and r.voided_at is null and ${inScope(user, "r.path")}`;
  return row.n;
}

export type VersionChoice = {
  id: number;
  surveyId: number;
  surveyTitle: string;
  title: string;
  version: number;
  kind: string;
  publishedAt: Date;
};

/** Published versions a campaign can put to residents, newest survey and version first. */
export async function versionChoices(countyId: number) {
  return sql<VersionChoice[]>`
    select v.id, v.survey_id as "surveyId", s.title as "surveyTitle", v.title, v.version, s.kind, v.published_at as "publishedAt"
    from survey_versions v join surveys s on s.id = v.survey_id
    where v.county_id = ${countyId}
    order by s.kind = 'household' desc, s.updated_at desc, s.id desc, v.version desc`;
}

export type TargetBuilding = { id: number; name: string; households: number };
export type TargetCompound = TargetBuilding & { buildings: TargetBuilding[] };
export type TargetCommunity = TargetBuilding & { compounds: TargetCompound[] };
export type TargetStreet = { id: number; name: string; communities: TargetCommunity[] };

/** The county's streets, communities, compounds and buildings with their occupied households,
 *  for choosing a campaign's target areas. */
export async function targetChoices(countyId: number): Promise<TargetStreet[]> {
  const [places, counts] = await Promise.all([
    sql<{ id: number; parentId: number; name: string; level: Level }[]>`
      select id, parent_id as "parentId", name, level from places
      where county_id = ${countyId} and level in ('street','community','compound','building')
      order by array_length(path, 1), sort_order, id`,
    sql<{ buildingId: number; n: number }[]>`
      select building_id as "buildingId", count(*)::int as n from households
      where county_id = ${countyId} and not vacant group by building_id`,
  ]);
  const households = new Map(counts.map((c) => [c.buildingId, c.n]));
  const streets = new Map<number, TargetStreet>();
  const communities = new Map<number, TargetCommunity>();
  const compounds = new Map<number, { compound: TargetCompound; community: TargetCommunity }>();
  // Ordered by depth, so every parent is seen before its children.
  for (const p of places) {
    if (p.level === "street") streets.set(p.id, { id: p.id, name: p.name, communities: [] });
    else if (p.level === "community") {
      const community: TargetCommunity = { id: p.id, name: p.name, households: 0, compounds: [] };
      communities.set(p.id, community);
      streets.get(p.parentId)?.communities.push(community);
    } else if (p.level === "compound") {
      const community = communities.get(p.parentId);
      if (!community) continue;
      const compound: TargetCompound = { id: p.id, name: p.name, households: 0, buildings: [] };
      compounds.set(p.id, { compound, community });
      community.compounds.push(compound);
    } else {
      const owner = compounds.get(p.parentId);
      if (!owner) continue;
      const n = households.get(p.id) ?? 0;
      owner.compound.buildings.push({ id: p.id, name: p.name, households: n });
      owner.compound.households += n;
      owner.community.households += n;
    }
  }
  return [...streets.values()];
}

/** The link a building's household slips point to (the building's own, else its compound's)
 *  and the building's one-time codes, created on first use. Null outside the campaign or scope. */
export async function householdSlips(user: ScopedUser, campaignId: number, buildingId: number) {
  const [link] = await sql<{ code: string; buildingName: string; compoundName: string; communityName: string }[]>`
    select l.code, b.name as "buildingName", cp.name as "compoundName", cm.name as "communityName"
    from places b
    join places cp on cp.id = b.path[4]
    join places cm on cm.id = b.path[3]
    join campaign_links l on l.campaign_id = ${campaignId} and l.place_id = any(b.path)
    where b.id = ${buildingId} and b.level = 'building' and b.county_id = ${user.countyId} and ${inScope(user, "b.path")}
    order by l.place_id = b.id desc limit 1`;
  if (!link) return null;
  return { ...link, codes: await householdCodesFor(user, campaignId, buildingId) };
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

// A link's place and campaign never change, and a survey version is immutable: both are kept in
// memory (a place renamed shows its new name within LINK_TTL_MS). The campaign's state and times
// are read at most PAGE_CAMPAIGN_MS ago for the page, and dropped here when this instance changes
// the state. See docs/decisions/006-write-path.md.
const LINK_TTL_MS = 60_000;
/** How old the campaign behind a resident page may be: another app instance's pause or close shows
 *  within a second (the submission's database function checks the campaign as it is now anyway). */
export const PAGE_CAMPAIGN_MS = 1000;
type LinkRow = Omit<ResidentLink, "campaign" | "definition"> & { campaignId: number };
const linkRows = new Map<string, { row: LinkRow; at: number }>();
const definitions = new Map<number, Record<string, unknown>>();

const campaigns = new Map<number, { campaign: Campaign; at: number }>();

/** Everything the resident page needs for a link code; null for an unknown code. The campaign
 *  is read fresh unless `campaignMaxAgeMs` allows one read that long ago (the submission path,
 *  whose database function re-checks the campaign). */
export async function resolveLink(code: string, campaignMaxAgeMs = 0): Promise<ResidentLink | null> {
  if (!/^[A-Za-z0-9]{6,16}$/.test(code)) return null;
  let cached = linkRows.get(code);
  if (!cached || Date.now() - cached.at > LINK_TTL_MS) {
    const [row] = await sql<LinkRow[]>`
      select l.id as "linkId", l.code, l.county_id as "countyId", l.place_id as "placeId", p.name as "placeName",
        (select string_agg(a.name, ' ' order by array_length(a.path, 1)) from places a
          where a.id = any(p.path) and a.level in ('community','compound','building')) as "placeLabel",
        l.campaign_id as "campaignId"
      from campaign_links l join places p on p.id = l.place_id
      where l.code = ${code}`;
    if (!row) return null;
    if (linkRows.size > 20_000) linkRows.clear();
    linkRows.set(code, (cached = { row, at: Date.now() }));
  }
  const { campaignId, ...link } = cached.row;
  const recent = campaigns.get(campaignId);
  let campaign: Campaign | null;
  if (recent && Date.now() - recent.at <= campaignMaxAgeMs) campaign = recent.campaign;
  else {
    campaign = await getCampaign(link.countyId, campaignId);
    if (!campaign) return null;
    if (campaigns.size > 1000) campaigns.clear();
    campaigns.set(campaignId, { campaign, at: Date.now() });
  }
  let definition = definitions.get(campaign.surveyVersionId);
  if (!definition) {
    const [version] = await sql<{ definition: Record<string, unknown> }[]>`
      select definition from survey_versions where county_id = ${link.countyId} and id = ${campaign.surveyVersionId}`;
    definition = version.definition;
    if (definitions.size > 200) definitions.clear();
    definitions.set(campaign.surveyVersionId, definition);
  }
  return { ...link, campaign, definition };
}

/** Counted in memory and written once a second, once per visitor and day (app/models/link-counters.server.ts). */
export async function countLinkEvent(link: CountedLink, event: "opens" | "starts", visitor: LinkVisitor) {
  countLink(link, event, visitor);
}

/** A household's one-time code for a campaign, made when it has none yet: a volunteer filling the
 *  questionnaire with the household stands in for its printed slip, so the one-per-household
 *  policy holds across slips and volunteers alike. Null when the household is not in the county. */
export async function householdCodeOf(countyId: number, campaignId: number, householdId: number): Promise<string | null> {
  return sql.begin(async (tx) => {
    // Two phones of one household at once make one code.
    await tx`select pg_advisory_xact_lock(${campaignId}, ${householdId})`;
    const [found] = await tx<{ code: string }[]>`
      select code from household_codes where county_id = ${countyId} and campaign_id = ${campaignId} and household_id = ${householdId} order by id limit 1`;
    if (found) return found.code;
    const [household] = await tx<{ buildingId: number }[]>`
      select building_id as "buildingId" from households where id = ${householdId} and county_id = ${countyId}`;
    if (!household) return null;
    const [made] = await tx<{ code: string }[]>`
      insert into household_codes (county_id, campaign_id, place_id, household_id, code)
      values (${countyId}, ${campaignId}, ${household.buildingId}, ${householdId}, ${randomCode(8, SLIP_ALPHABET)})
      returning code`;
    return made.code;
  });
}

/** One-time codes for every non-vacant household of a building (kept if they exist already). */
/** A building's household codes for a campaign inside the user's scope, made for households that have none yet. */
export async function householdCodesFor(user: ScopedUser, campaignId: number, buildingId: number) {
  const { countyId } = user;
  await sql.begin(async (tx) => {
    const missing = await tx<{ id: number }[]>`
      select h.id from households h
      where h.building_id = ${buildingId} and h.county_id = ${countyId} and not h.vacant and ${inScope(user, "h.path")}
        and not exists (select 1 from household_codes c where c.campaign_id = ${campaignId} and c.household_id = h.id)`;
    if (missing.length)
      await tx`insert into household_codes ${tx(
        missing.map((h) => ({
          county_id: countyId,
          campaign_id: campaignId,
          place_id: buildingId,
          household_id: h.id,
          code: randomCode(8, SLIP_ALPHABET),
        })),
      )}`;
  });
  return sql<{ code: string; room: string; stairwell: string | null; usedAt: Date | null }[]>`
    select c.code, h.room, case when s.level = 'stairwell' then s.name end as stairwell, c.used_at as "usedAt"
    from household_codes c join households h on h.id = c.household_id join places s on s.id = h.place_id
    where c.campaign_id = ${campaignId} and c.place_id = ${buildingId} and c.county_id = ${countyId} and ${inScope(user, "h.path")}
    order by s.sort_order, s.id, length(h.room), h.room`;
}
