// Synthetic answers for a demo campaign, so the rates, the bulletin and the forecast have
// something to show. Deterministic for a seed (its own PRNG, never Math.random); the finish times
// are spread over the weeks before today (or before the campaign closes).
//
// What the data shows on purpose: communities differ — 柳荫社区 (the third) sits clearly below an
// 85% target, 东苑社区 (the fifth) clearly above, the others around it; satisfaction improves a
// little week by week; about one building in seven has only one to three responses, so the
// building level has figures under the minimum n.
import { sql } from "~/db.server";
import { mulberry32 } from "~/domain/sampling";
import { evaluateCondition } from "~/survey/condition";
import { questionsOf, taggedQuestions, type TaggedQuestion } from "~/survey/tags";

export type DemoResponsesOptions = {
  countyId: number;
  campaignId: number;
  /** Mean responses per building (default 8). */
  perBuilding?: number;
  seed?: number;
  /** Weeks the finish times are spread over (default 6). */
  weeksBack?: number;
};

/** Share of positive satisfaction answers per community, in register order (cycled beyond seven). */
const COMMUNITY_SATISFACTION = [0.92, 0.87, 0.76, 0.86, 0.96, 0.84, 0.89];
/** Other measures: base share of positive answers, shifted by a community's satisfaction. */
const BASE = { awareness: 0.9, support: 0.94, participation: 0.62 } as const;
const EXCLUDED_SHARE = 0.04;
const WEEK_MS = 7 * 86_400_000;
const CHUNK = 1000;

type Rng = () => number;
type Answer = string | number | boolean;
type Question = Record<string, unknown> & { name: string; type?: string };

function choicesOf(q: Question): Answer[] {
  if (!Array.isArray(q.choices)) return [];
  return q.choices
    .map((c) => (c && typeof c === "object" ? (c as { value?: unknown }).value : c))
    .filter((v): v is Answer => ["string", "number", "boolean"].includes(typeof v));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** An answer to a tagged question: positive with probability p, sometimes an excluded one. */
function taggedAnswer(rng: Rng, q: Question, tag: TaggedQuestion, p: number): Answer {
  const choices = q.type === "boolean" ? [true, false] : choicesOf(q);
  const key = (v: Answer) => String(v);
  const positive = choices.filter((c) => tag.positiveAnswers.some((a) => key(a) === key(c)));
  const excluded = choices.filter((c) => tag.excludedAnswers.some((a) => key(a) === key(c)));
  const negative = choices.filter((c) => !positive.includes(c) && !excluded.includes(c));
  if (excluded.length > 0 && rng() < EXCLUDED_SHARE) return pick(rng, excluded);
  if (positive.length > 0 && (negative.length === 0 || rng() < p)) {
    // The top answer (满意 / 非常满意) a little more often than the next one.
    return positive.length > 1 && rng() < 0.45 ? positive[1 + Math.floor(rng() * (positive.length - 1))] : positive[0];
  }
  // The mildest negative answer (一般) most often on a five-level scale.
  return negative.length > 1 && rng() < 0.6 ? negative[0] : pick(rng, negative.length ? negative : choices);
}

function answersFor(rng: Rng, questions: Question[], tags: Map<string, TaggedQuestion>, satisfaction: number) {
  const answers: Record<string, Answer | Answer[]> = {};
  for (const q of questions) {
    if (typeof q.visibleIf === "string" && !evaluateCondition(q.visibleIf, answers)) continue;
    const tag = tags.get(q.name);
    if (tag) {
      const shift = satisfaction - 0.87;
      const p = tag.measure === "satisfaction" ? satisfaction : BASE[tag.measure] + shift;
      answers[q.name] = taggedAnswer(rng, q, tag, Math.min(0.995, Math.max(0.05, p)));
      continue;
    }
    const choices = choicesOf(q);
    if (choices.length === 0) continue;
    if (q.type === "checkbox" || q.type === "tagbox") {
      const chosen = choices.filter(() => rng() < 0.35);
      answers[q.name] = chosen.length ? chosen : [pick(rng, choices)];
    } else if (q.type === "radiogroup" || q.type === "dropdown" || q.type === "rating" || q.type === "imagepicker") {
      answers[q.name] = pick(rng, choices);
    }
  }
  return answers;
}

/** Inserts the synthetic responses in one transaction; returns how many. */
export async function seedDemoResponses({
  countyId,
  campaignId,
  perBuilding = 8,
  seed = 20260301,
  weeksBack = 6,
}: DemoResponsesOptions): Promise<number> {
  const [campaign] = await sql<{ versionId: number; definition: unknown; closesAt: Date }[]>`
    select c.survey_version_id as "versionId", v.definition, c.closes_at as "closesAt"
    from campaigns c join survey_versions v on v.id = c.survey_version_id
    where c.id = ${campaignId} and c.county_id = ${countyId}`;
  if (!campaign) throw new Error(`no campaign ${campaignId} in county ${countyId}`);
  const links = await sql<{ id: number; placeId: number; communityId: number; households: number }[]>`
    select l.id, l.place_id as "placeId", p.path[3] as "communityId",
      (select count(*)::int from households h where h.county_id = p.county_id and h.building_id = p.id and not h.vacant) as households
    from campaign_links l join places p on p.county_id = l.county_id and p.id = l.place_id
    where l.county_id = ${countyId} and l.campaign_id = ${campaignId} and p.level = 'building'
    order by p.path[3], l.place_id`;
  const communities = await sql<{ id: number }[]>`
    select id from places where county_id = ${countyId} and level = 'community' order by sort_order, id`;
  const communityIndex = new Map(communities.map((c, i) => [c.id, i]));

  const questions = [...questionsOf(campaign.definition)].filter((q): q is Question => typeof q.name === "string");
  const tags = new Map(taggedQuestions(campaign.definition).map((t) => [t.name, t]));
  const rng = mulberry32(seed);
  const end = Math.min(Date.now(), new Date(campaign.closesAt).getTime() - 60_000);
  const span = weeksBack * WEEK_MS;

  // Responses a volunteer collected at the door name their household (a separate draw, so the
  // answers stay what they were).
  const householdsOf = new Map<number, number[]>();
  for (const h of await sql<{ id: number; buildingId: number }[]>`
    select id, building_id as "buildingId" from households where county_id = ${countyId} and not vacant order by id`)
    householdsOf.set(h.buildingId, [...(householdsOf.get(h.buildingId) ?? []), h.id]);
  const doors = mulberry32(seed + 7);
  const rows: Record<string, unknown>[] = [];
  for (const link of links) {
    const doorsLeft = [...(householdsOf.get(link.placeId) ?? [])];
    const base = COMMUNITY_SATISFACTION[(communityIndex.get(link.communityId) ?? 0) % COMMUNITY_SATISFACTION.length];
    const building = base + (rng() - 0.5) * 0.08;
    const few = rng() < 0.15;
    // One response per household at most, as at the door.
    const drawn = few ? 1 + Math.floor(rng() * 3) : Math.max(1, Math.round(perBuilding * (0.4 + rng() * 1.2)));
    const count = Math.min(drawn, link.households);
    for (let i = 0; i < count; i++) {
      const finishedAt = new Date(end - rng() * span);
      // Later weeks are better: from 4 points below the building's level up to 2 above.
      const progress = 1 - (end - finishedAt.getTime()) / span;
      const satisfaction = building - 0.04 + 0.06 * progress;
      const duration = 90 + Math.floor(rng() * 360);
      const channel = rng() < 0.6 ? "volunteer" : "qr";
      const household = channel === "volunteer" && doorsLeft.length ? doorsLeft.splice(Math.floor(doors() * doorsLeft.length), 1)[0] : null;
      rows.push({
        county_id: countyId,
        campaign_id: campaignId,
        survey_version_id: campaign.versionId,
        place_id: link.placeId,
        link_id: link.id,
        channel,
        household_id: household,
        answers: sql.json(answersFor(rng, questions, tags, satisfaction)),
        client_key: `demo-${campaignId}-${seed}-${rows.length + 1}`,
        started_at: new Date(finishedAt.getTime() - duration * 1000),
        finished_at: finishedAt,
        duration_seconds: duration,
      });
    }
  }

  // Seeding twice with the same seed adds nothing: the client keys are taken.
  return sql.begin(async (tx) => {
    const completions = new Map<number, number>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const stored = await tx<{ linkId: number }[]>`
        insert into responses ${tx(rows.slice(i, i + CHUNK) as never[])}
        on conflict (campaign_id, client_key) do nothing returning link_id as "linkId"`;
      for (const { linkId } of stored) completions.set(linkId, (completions.get(linkId) ?? 0) + 1);
    }
    const counted = [...completions].map(([id, n]) => ({ id, n }));
    await tx`
      update campaign_links l set completions = l.completions + c.n
      from jsonb_to_recordset(${tx.json(counted)}) as c(id int, n int)
      where l.county_id = ${countyId} and l.id = c.id`;
    return counted.reduce((sum, c) => sum + c.n, 0);
  });
}
