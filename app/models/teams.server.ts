// Door-to-door teams (走访小组) and the finer assignments of a round: a team is a leader and
// members inside one round; buildings, stairwells and whole grids may be given to a team (every
// member, the leader too, then sees and logs them; visits.server.ts `assign`), and the leader sees
// the team's progress. Who may see or use a team: anyone who may assign every one of its people.
import { sql } from "~/db.server";
import { householdVisitState, needsVisit } from "~/domain/visits";
import { gridInScope, inScope } from "~/models/places.server";
import type { ScopedUser } from "~/models/users.server";
import { assignablePeople, householdLogs, type VisitRound } from "~/models/visits.server";

export type Team = { id: number; name: string; leaderId: number; leader: string; members: { id: number; name: string }[] };

export type TeamProblem = "nameTaken" | "personNotFound";

/** Creates a team of the round; the leader is a member. The people must all be assignable by the actor. */
export async function createTeam(
  actor: ScopedUser & { id: number },
  round: VisitRound,
  input: { name: string; leaderId: number; memberIds: number[] },
): Promise<{ id: number } | { problem: TeamProblem }> {
  const people = new Set((await assignablePeople(actor)).map((p) => p.id));
  const members = [...new Set([input.leaderId, ...input.memberIds])];
  if (!members.every((id) => people.has(id))) return { problem: "personNotFound" };
  return sql.begin(async (tx) => {
    const [team] = await tx<{ id: number }[]>`
      insert into visit_teams (county_id, round_id, name, leader_id, created_by)
      values (${actor.countyId}, ${round.id}, ${input.name}, ${input.leaderId}, ${actor.id})
      on conflict (round_id, name) do nothing returning id`;
    if (!team) return { problem: "nameTaken" as const };
    await tx`insert into visit_team_members ${tx(members.map((id) => ({ team_id: team.id, county_id: actor.countyId, user_id: id })))}`;
    return { id: team.id };
  });
}

/** The round's teams whose people the user may all assign (so the user may use and see them). */
export async function teamsOf(user: ScopedUser, round: VisitRound): Promise<Team[]> {
  const people = new Set((await assignablePeople(user)).map((p) => p.id));
  const teams = await sql<Team[]>`
    select t.id, t.name, t.leader_id as "leaderId", l.display_name as leader,
      coalesce((select json_agg(json_build_object('id', u.id, 'name', u.display_name) order by u.id <> t.leader_id, u.display_name, u.id)
                from visit_team_members m join users u on u.id = m.user_id where m.team_id = t.id), '[]') as members
    from visit_teams t join users l on l.id = t.leader_id
    where t.round_id = ${round.id} and t.county_id = ${user.countyId}
    order by t.name, t.id`;
  return teams.filter((t) => t.members.every((m) => people.has(m.id)));
}

export type TeamProgress = {
  id: number;
  name: string;
  /** The team's households to reach now (its assignments), and those no longer needing a visit. */
  households: number;
  done: number;
  members: { id: number; name: string; logs: number; lastAt: Date | null }[];
};

/** For a team leader: each team they lead in the round, its households done, and each member's logs. */
export async function teamProgress(user: { id: number; countyId: number }, round: VisitRound): Promise<TeamProgress[]> {
  const teams = await sql<{ id: number; name: string }[]>`
    select id, name from visit_teams where round_id = ${round.id} and county_id = ${user.countyId} and leader_id = ${user.id} order by name, id`;
  const progress: TeamProgress[] = [];
  for (const team of teams) {
    const [households, members] = await Promise.all([
      sql<{ id: number }[]>`
        select h.id from households h
        where h.county_id = ${user.countyId} and not h.vacant
          and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and h.path @> array[t.place_id])
          and exists (select 1 from visit_assignments a
                      where a.round_id = ${round.id} and a.team_id = ${team.id} and a.withdrawn_at is null
                        and (h.path @> array[a.place_id]
                             or a.grid_id is not null and h.building_id in (select gb.building_id from grid_buildings gb where gb.grid_id = a.grid_id)))`,
      sql<{ id: number; name: string; logs: number; lastAt: Date | null }[]>`
        select u.id, u.display_name as name,
          (select count(*)::int from visit_logs l where l.round_id = ${round.id} and l.volunteer_id = u.id) as logs,
          (select max(l.at) from visit_logs l where l.round_id = ${round.id} and l.volunteer_id = u.id) as "lastAt"
        from visit_team_members m join users u on u.id = m.user_id
        where m.county_id = ${user.countyId} and m.team_id = ${team.id} order by u.id <> ${user.id}, u.display_name, u.id`,
    ]);
    const logs = await householdLogs(
      round,
      households.map((h) => h.id),
    );
    const done = households.filter(
      (h) => !needsVisit(householdVisitState(logs.get(h.id) ?? [], { unreachableAfter: round.unreachableAfter }).status),
    ).length;
    progress.push({ ...team, households: households.length, done, members });
  }
  return progress;
}

/** SQL: who has an assignment now (a volunteer's or a team's name), `which` picking the assignment `a`. */
function holder(roundId: number, which: ReturnType<typeof sql>) {
  return sql`
    (select coalesce(u.display_name, t.name) from visit_assignments a
       left join users u on u.id = a.volunteer_id left join visit_teams t on t.id = a.team_id
     where a.round_id = ${roundId} and ${which} and a.withdrawn_at is null limit 1)`;
}

/** The round's stairwells inside the user's scope, with who has each now. */
export async function roundStairwells(user: ScopedUser, round: VisitRound) {
  return sql<{ id: number; buildingId: number; name: string; holder: string | null }[]>`
    select s.id, s.parent_id as "buildingId", s.name, ${holder(round.id, sql`a.place_id = s.id`)} as holder
    from places s
    where s.county_id = ${user.countyId} and s.level = 'stairwell' and ${inScope(user, "s.path")}
      and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and s.path @> array[t.place_id])
    order by s.parent_id, s.sort_order, s.id`;
}

/** The grids with buildings in the round, wholly inside the user's scope, with who has each now. */
export async function roundGrids(user: ScopedUser, round: VisitRound) {
  return sql<{ id: number; name: string; buildings: number; holder: string | null }[]>`
    select g.id, g.name, (select count(*)::int from grid_buildings gb where gb.grid_id = g.id) as buildings,
      ${holder(round.id, sql`a.grid_id = g.id`)} as holder
    from grids g
    where g.county_id = ${user.countyId} and ${gridInScope(user, "g.id")}
      and exists (select 1 from grid_buildings gb join places b on b.id = gb.building_id where gb.grid_id = g.id
                  and exists (select 1 from visit_round_targets t where t.round_id = ${round.id} and b.path @> array[t.place_id]))
    order by g.name, g.id`;
}

/** Withdraws the assignments of whole grids inside the user's scope (the history stays). */
export async function withdrawGrids(actor: ScopedUser & { id: number }, round: VisitRound, gridIds: number[]): Promise<number> {
  const result = await sql`
    update visit_assignments a set withdrawn_at = now(), withdrawn_by = ${actor.id}
    where a.round_id = ${round.id} and a.county_id = ${actor.countyId} and a.withdrawn_at is null and a.grid_id = any(${gridIds}::int[])
      and ${gridInScope(actor, "a.grid_id")}`;
  return result.count;
}
