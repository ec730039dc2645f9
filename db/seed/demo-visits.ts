// The demo door-to-door round `demo-visits` over the seven communities: a volunteer per few
// buildings (the demo volunteer has buildings in 锦湖社区 with households still pending), and
// generated visit logs with a few planted fabrication patterns (a burst of logs seconds apart, logs
// in the middle of the night, one note copied onto many households) for the review screens; a team
// in 锦湖社区 led by the demo volunteer with one building, and a spot check (抽查) of 锦湖社区 drawn
// by the office for the community staff, partly checked.
import { sql } from "~/db.server";
import { mulberry32 } from "~/domain/sampling";
import { VISIT_OUTCOMES } from "~/domain/visits";
import { checkForChecker, drawSpotChecks, recordCheckResults } from "~/models/spot-checks.server";
import { createTeam } from "~/models/teams.server";
import { assign, rebuildVisitStates, roundByCode } from "~/models/visits.server";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CHUNK = 5000;
/** What volunteers type now and then when they reach a household. */
const NOTES = ["已宣讲，住户支持创文", "老人独居，已讲解测评问卷", "住户提了小区停车问题", "已加入社区微信群"];

export const DEMO_ROUND = "demo-visits";

type Row = {
  county_id: number;
  round_id: number;
  household_id: number;
  volunteer_id: number;
  outcome: (typeof VISIT_OUTCOMES)[number];
  at: Date;
  note: string | null;
  client_key: string;
  device_id: string;
};

/** Creates the round, its volunteers and assignments, and the logs; returns how many logs. */
export async function seedDemoVisits(countyId: number, { now = new Date(), seed = 3 } = {}): Promise<number> {
  const rng = mulberry32(seed);
  const communities = await sql<{ id: number; name: string }[]>`
    select id, name from places where county_id = ${countyId} and level = 'community' order by sort_order, id`;
  const start = new Date(now.getTime() - 12 * DAY);
  start.setUTCHours(0, 0, 0, 0);
  const [round] = await sql<{ id: number }[]>`
    insert into visit_rounds (county_id, code, name, starts_at, first_deadline, final_deadline, message, unreachable_after)
    values (${countyId}, ${DEMO_ROUND}, '创文入户宣传第一轮', ${start}, ${new Date(start.getTime() + 34 * DAY)}, ${new Date(start.getTime() + 37 * DAY)},
            '请向住户发放《创建全国文明城市市民手册》，讲清测评时如实回答、不拒访。', 3)
    returning id`;
  await sql`insert into visit_round_targets ${sql(communities.map((c) => ({ round_id: round.id, county_id: countyId, place_id: c.id })))}`;

  // Volunteers: the demo account, and four more per community with the same password.
  const [demo] = await sql<{ id: number; hash: string }[]>`
    select id, password_hash as hash from users where county_id = ${countyId} and username = 'volunteer'`;
  const extra = communities.flatMap((c, ci) =>
    Array.from({ length: 4 }, (_, i) => ({
      county_id: countyId,
      username: `vol${String(ci + 1).padStart(2, "0")}${i + 1}`,
      display_name: `${c.name.replace(/社区$/, "")}志愿者${i + 1}`,
      role: "volunteer",
      scope_place_id: c.id,
      password_hash: demo.hash,
    })),
  );
  const created = await sql<{ id: number; scope: number }[]>`insert into users ${sql(extra)} returning id, scope_place_id as scope`;
  const volunteersOf = new Map(communities.map((c) => [c.id, created.filter((u) => u.scope === c.id).map((u) => u.id)]));
  // The demo volunteer works 锦湖社区 (the first community) beside its four.
  volunteersOf.get(communities[0].id)!.unshift(demo.id);

  const buildings = await sql<{ id: number; community: number }[]>`
    select b.id, b.path[3] as community from places b
    where b.county_id = ${countyId} and b.level = 'building' order by b.path[3], b.sort_order, b.id`;
  const assignments: Record<string, unknown>[] = [];
  const volunteerOf = new Map<number, number>();
  const byCommunity = new Map<number, number[]>();
  for (const b of buildings) byCommunity.set(b.community, [...(byCommunity.get(b.community) ?? []), b.id]);
  for (const [community, ids] of byCommunity) {
    const team = volunteersOf.get(community) ?? [];
    ids.forEach((id, i) => {
      const v = team[Math.floor((i * team.length) / ids.length)];
      volunteerOf.set(id, v);
      assignments.push({ county_id: countyId, round_id: round.id, volunteer_id: v, place_id: id, assigned_at: start });
    });
  }
  for (let i = 0; i < assignments.length; i += CHUNK)
    await sql`insert into visit_assignments ${sql(assignments.slice(i, i + CHUNK) as never[])}`;

  const households = await sql<{ id: number; buildingId: number; community: number; vacant: boolean }[]>`
    select h.id, h.building_id as "buildingId", h.path[3] as community, h.vacant from households h
    where h.county_id = ${countyId} order by h.building_id, h.id`;
  // Refusals per knock differ by community (0.6%–2.4%): some 2–8% of households tried end up
  // refused, on both sides of the bulletin's 5% ceiling.
  const refuseOf = new Map(communities.map((c, i) => [c.id, 0.006 + (0.018 * ((i * 3) % communities.length)) / (communities.length - 1)]));
  const rows: Row[] = [];
  const elapsed = now.getTime() - start.getTime();
  const demoBuildings = new Set([...volunteerOf].filter(([, v]) => v === demo.id).map(([b]) => b));
  let key = 0;
  const log = (household: number, volunteer: number, outcome: Row["outcome"], at: Date, note: string | null = null) =>
    rows.push({
      county_id: countyId,
      round_id: round.id,
      household_id: household,
      volunteer_id: volunteer,
      outcome,
      at,
      note,
      client_key: `demo-visit-${++key}`,
      device_id: `demo-device-${volunteer}`,
    });
  /** A plausible moment: a day of the round so far, at a Beijing hour, later days a little more likely. */
  const at = (day: number, beijingHour: number) => {
    const t = new Date(start.getTime() + day * DAY + (beijingHour - 8) * HOUR + rng() * 60_000);
    return t.getTime() < now.getTime() ? t : new Date(now.getTime() - rng() * 6 * HOUR);
  };
  // Most households are first tried early in the round, so there are days left to try again.
  const firstDay = () => Math.floor(rng() ** 1.5 * (elapsed / DAY));
  // 08:00–12:00, 12:00–18:00, 18:00–21:00 Beijing.
  const SLOTS: [number, number][] = [
    [8, 4],
    [12, 6],
    [18, 3],
  ];
  const hourIn = (slot: number) => SLOTS[slot][0] + rng() * SLOTS[slot][1];
  for (const h of households) {
    const volunteer = volunteerOf.get(h.buildingId);
    if (volunteer === undefined) continue;
    // The demo volunteer is half-way: a third of their households not visited yet.
    if ((demoBuildings.has(h.buildingId) && rng() < 0.35) || rng() < 0.08) continue;
    if (h.vacant) {
      const day = firstDay();
      log(h.id, volunteer, "vacant", at(day, hourIn(Math.floor(rng() * 3))));
      if (rng() < 0.7 && day + 2 < elapsed / DAY)
        log(h.id, volunteer, "vacant", at(day + 1 + Math.floor(rng() * 2), hourIn(Math.floor(rng() * 3))));
      continue;
    }
    let day = firstDay();
    let slot = Math.floor(rng() * 3);
    // Nobody opening is the most common outcome (about three knocks in four): about three logs
    // per household, some 60,000 over the county.
    for (let attempt = 0; attempt < 8 && day < elapsed / DAY; attempt++) {
      const when = at(day, hourIn(slot));
      const r = rng();
      const refuse = refuseOf.get(h.community)!;
      if (r < refuse) {
        log(h.id, volunteer, "refused", when);
        break;
      }
      if (r < refuse + 0.21) {
        log(h.id, volunteer, "reached", when, rng() < 0.04 ? NOTES[Math.floor(rng() * NOTES.length)] : null);
        break;
      }
      log(h.id, volunteer, rng() < 0.05 ? "other" : "notHome", when);
      if (slot < 2 && rng() < 0.7) {
        // Back the same day, later.
        slot += 1;
      } else {
        // Try again another day, at another time of day.
        day += 1 + Math.floor(rng() * 2);
        slot = (slot + 1 + Math.floor(rng() * 2)) % 3;
      }
    }
  }

  // Planted patterns for review. One volunteer of the third community "visits" 40 households
  // 5 seconds apart at 02:10 at night, all with the same note.
  const [third] = communities.slice(2, 3);
  const suspect = volunteersOf.get(third.id)![0];
  const targets = households
    .filter((h) => !h.vacant && volunteerOf.get(h.buildingId) === suspect)
    .slice(0, 40)
    .map((h) => h.id);
  const night = new Date(start.getTime() + 3 * DAY + 18 * HOUR + 10 * 60_000); // 02:10 Beijing, day 4
  targets.forEach((id, i) => log(id, suspect, "reached", new Date(night.getTime() + i * 5000), "已发放宣传资料"));

  for (let i = 0; i < rows.length; i += CHUNK) await sql`insert into visit_logs ${sql(rows.slice(i, i + CHUNK) as never[])}`;
  // Logs loaded in bulk: the households' states are written once from all of them.
  await rebuildVisitStates((await roundByCode(countyId, DEMO_ROUND))!, countyId);
  await seedTeamAndSpotCheck(countyId, communities[0].id, volunteersOf.get(communities[0].id)!, volunteerOf);
  return rows.length;
}

/** The team and the spot check, made through the same models the office's pages use. */
async function seedTeamAndSpotCheck(countyId: number, jinhu: number, team: number[], volunteerOf: Map<number, number>) {
  const [admin] = await sql<{ id: number; scopePlaceId: number }[]>`
    select id, scope_place_id as "scopePlaceId" from users where county_id = ${countyId} and username = 'admin'`;
  const office = { id: admin.id, countyId, scopePlaceId: admin.scopePlaceId, scopeGridId: null };
  const round = (await roundByCode(countyId, DEMO_ROUND))!;
  const [leader, ...members] = team;
  const made = await createTeam(office, round, { name: "锦湖第一小组", leaderId: leader, memberIds: members.slice(0, 2) });
  if (!("id" in made)) throw new Error(`demo team: ${made.problem}`);
  // The team takes over the first building of its second member (the history keeps who had it).
  const building = [...volunteerOf].find(([, v]) => v === members[0])![0];
  await assign(office, round, { teamId: made.id, placeIds: [building] });

  const [checker] = await sql<{ id: number }[]>`select id from users where county_id = ${countyId} and username = 'community'`;
  const drawn = await drawSpotChecks(office, round, {
    area: { placeId: jinhu },
    size: { kind: "number", value: 20 },
    seed: 20260105,
    checkerId: checker.id,
  });
  if (!("id" in drawn)) throw new Error(`demo spot check: ${drawn.problem}`);
  const check = (await checkForChecker({ id: checker.id, countyId }, drawn.id))!;
  const households = await sql<{ id: number }[]>`
    select household_id as id from spot_check_households where county_id = ${countyId} and spot_check_id = ${drawn.id} order by draw_order limit 12`;
  const results = households.map((h, i) => ({
    clientKey: `demo-check-${i + 1}`,
    householdId: h.id,
    result: i === 3 || i === 8 ? "notConfirmed" : i === 5 ? "couldNotCheck" : "confirmed",
    at: new Date(check.createdAt.getTime() + (i + 1) * 1000).toISOString(),
  }));
  await recordCheckResults({ id: checker.id, countyId }, check, results, new Date(check.createdAt.getTime() + 60_000));
}
