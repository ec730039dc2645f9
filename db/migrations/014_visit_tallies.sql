-- Coverage tallies (docs/decisions/009): the households of a round's targets counted by status per
-- area of their path (county, street, community, compound, building, stairwell) and per place they
-- live in, per volunteer who logged them and area, and the finished ones per area and Beijing day,
-- so that a coverage page reads the rows of one depth (a county page: one row) instead
-- of joining every household with its state. Derived data like visit_household_states, kept exact
-- with it:
-- - refreshStates (app/models/visits.server.ts) calls visit_tally_change with the households'
--   state rows before and after, in the same transaction that rewrites them (the state rows are
--   locked then, so two changes of one household never interleave; count rows are upserted in
--   key order, so concurrent changes of different households do not deadlock);
-- - visit_recount_tallies rewrites a round's counts from the households and their state rows:
--   when a round is created, after a bulk rebuild of states, and in the transaction of every
--   register import (households added, vacancy changed), since the register flag is part of the key.
-- One definition of the keys, here: `registerVacant` for households the register marks vacant
-- (counted in households, not to reach), else the state's status ('pending' without a row); a
-- finished household (reached, refused, vacant, unreachable; not register-vacant) on the Beijing
-- day of its last counted log. A row whose counts are all 0 is deleted by the change that made it
-- so; a change that would take a count below 0 (counts out of step with the state rows) fails.

-- The count tables hold a row per key with a column per status (`register_vacant`: registerVacant).

-- By the place the household lives in (its stairwell, or its building): the stairwell level.
create table visit_place_counts (
  round_id        integer not null,
  place_id        integer not null,
  register_vacant integer not null default 0,
  pending         integer not null default 0,
  not_home        integer not null default 0,
  reached         integer not null default 0,
  refused         integer not null default 0,
  vacant          integer not null default 0,
  unreachable     integer not null default 0,
  primary key (round_id, place_id)
);

-- By every area of the household's path, itself included (places.path: county first).
create table visit_area_counts (
  round_id        integer not null,
  place_id        integer not null,
  register_vacant integer not null default 0,
  pending         integer not null default 0,
  not_home        integer not null default 0,
  reached         integer not null default 0,
  refused         integer not null default 0,
  vacant          integer not null default 0,
  unreachable     integer not null default 0,
  primary key (round_id, place_id)
);

-- By volunteer who logged the household (its state row's volunteers) and area of its path.
create table visit_volunteer_counts (
  round_id        integer not null,
  place_id        integer not null,
  volunteer_id    integer not null,
  register_vacant integer not null default 0,
  pending         integer not null default 0,
  not_home        integer not null default 0,
  reached         integer not null default 0,
  refused         integer not null default 0,
  vacant          integer not null default 0,
  unreachable     integer not null default 0,
  primary key (round_id, place_id, volunteer_id)
);

-- Finished households by area of their path and Beijing day.
create table visit_finished_days (
  round_id   integer not null,
  place_id   integer not null,
  day        date not null,
  households integer not null,
  primary key (round_id, place_id, day)
);

-- The one definition of the keys (immutable: inlined into the queries below).
create function visit_tally_status(p_register_vacant boolean, p_status text) returns text language sql immutable as $$
  select case when p_register_vacant then 'registerVacant' else coalesce(p_status, 'pending') end
$$;
create function visit_tally_day(p_register_vacant boolean, p_status text, p_last_at timestamptz) returns date language sql immutable as $$
  select case when not p_register_vacant and p_status in ('reached', 'refused', 'vacant', 'unreachable')
    then ((p_last_at at time zone 'UTC') + interval '8 hours')::date end
$$;

-- The round's target places (a household is the round's when its path holds one of them).
create function visit_round_target_ids(p_round integer) returns integer[] language sql stable as $$
  select coalesce(array_agg(t.place_id), '{}') from visit_round_targets t where t.round_id = p_round
$$;

-- Moves households from the keys of their `before` state rows (id, status, volunteers, last_at;
-- status 'pending' and no volunteers for a household without a row) to those of their `after` rows.
-- Households outside the round's targets are not counted.
create function visit_tally_change(p_round integer, p_before jsonb, p_after jsonb) returns void language plpgsql as $$
declare
  v_targets integer[] := visit_round_target_ids(p_round);
  v_places integer[];
  v_areas integer[];
begin
  with changes as (
    select -1 as sign, x.* from jsonb_to_recordset(p_before) as x(household_id integer, status text, volunteers integer[], last_at timestamptz)
    union all
    select 1, x.* from jsonb_to_recordset(p_after) as x(household_id integer, status text, volunteers integer[], last_at timestamptz)
  ), d as materialized (
    select c.sign, h.place_id, h.path, visit_tally_status(h.vacant, c.status) as status, coalesce(c.volunteers, '{}') as volunteers,
      visit_tally_day(h.vacant, c.status, c.last_at) as day
    from changes c join households h on h.id = c.household_id
    where h.path && v_targets
  ), areas as materialized (
    select d.*, a.id as area from d cross join lateral unnest(d.path) as a(id)
  ), place_rows as (
    insert into visit_place_counts as c (round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, d.place_id,
        coalesce(sum(d.sign) filter (where d.status = 'registerVacant'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'pending'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'notHome'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'reached'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'refused'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'vacant'), 0),
        coalesce(sum(d.sign) filter (where d.status = 'unreachable'), 0)
      from d group by d.place_id order by d.place_id
    on conflict (round_id, place_id) do update set
      register_vacant = c.register_vacant + excluded.register_vacant,
      pending = c.pending + excluded.pending,
      not_home = c.not_home + excluded.not_home,
      reached = c.reached + excluded.reached,
      refused = c.refused + excluded.refused,
      vacant = c.vacant + excluded.vacant,
      unreachable = c.unreachable + excluded.unreachable
  ), area_rows as (
    insert into visit_area_counts as c (round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, a.area,
        coalesce(sum(a.sign) filter (where a.status = 'registerVacant'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'pending'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'notHome'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'reached'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'refused'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'vacant'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'unreachable'), 0)
      from areas a group by a.area order by a.area
    on conflict (round_id, place_id) do update set
      register_vacant = c.register_vacant + excluded.register_vacant,
      pending = c.pending + excluded.pending,
      not_home = c.not_home + excluded.not_home,
      reached = c.reached + excluded.reached,
      refused = c.refused + excluded.refused,
      vacant = c.vacant + excluded.vacant,
      unreachable = c.unreachable + excluded.unreachable
  ), volunteer_rows as (
    insert into visit_volunteer_counts as c (round_id, place_id, volunteer_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, a.area, v.id,
        coalesce(sum(a.sign) filter (where a.status = 'registerVacant'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'pending'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'notHome'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'reached'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'refused'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'vacant'), 0),
        coalesce(sum(a.sign) filter (where a.status = 'unreachable'), 0)
      from areas a cross join lateral unnest(a.volunteers) as v(id) group by a.area, v.id order by a.area, v.id
    on conflict (round_id, place_id, volunteer_id) do update set
      register_vacant = c.register_vacant + excluded.register_vacant,
      pending = c.pending + excluded.pending,
      not_home = c.not_home + excluded.not_home,
      reached = c.reached + excluded.reached,
      refused = c.refused + excluded.refused,
      vacant = c.vacant + excluded.vacant,
      unreachable = c.unreachable + excluded.unreachable
  ), day_rows as (
    insert into visit_finished_days as c (round_id, place_id, day, households)
      select p_round, a.area, a.day, sum(a.sign) from areas a where a.day is not null
      group by a.area, a.day having sum(a.sign) <> 0 order by a.area, a.day
    on conflict (round_id, place_id, day) do update set households = c.households + excluded.households
  )
  select array_agg(distinct d.place_id), (select array_agg(distinct a.area) from areas a) into v_places, v_areas from d;
  if v_places is null then
    return;
  end if;
  -- (Not a check constraint: an upsert checks the proposed row, a negative change, before it finds the conflict.)
  if exists (select 1 from visit_place_counts c where c.round_id = p_round and c.place_id = any(v_places) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_area_counts c where c.round_id = p_round and c.place_id = any(v_areas) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_volunteer_counts c where c.round_id = p_round and c.place_id = any(v_areas) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_finished_days c where c.round_id = p_round and c.place_id = any(v_areas) and c.households < 0) then
    raise exception 'coverage tallies of round % out of step with the household states', p_round;
  end if;
  delete from visit_place_counts c where c.round_id = p_round and c.place_id = any(v_places) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_area_counts c where c.round_id = p_round and c.place_id = any(v_areas) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_volunteer_counts c where c.round_id = p_round and c.place_id = any(v_areas) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_finished_days c where c.round_id = p_round and c.place_id = any(v_areas) and c.households = 0;
end $$;

-- Rewrites a round's counts from its target households and their state rows. No state row is
-- written meanwhile (the lock waits for the syncs and reviews under way; they wait for it).
create function visit_recount_tallies(p_round integer) returns void language plpgsql as $$
declare
  v_targets integer[] := visit_round_target_ids(p_round);
begin
  lock table visit_household_states in share row exclusive mode;
  delete from visit_place_counts where round_id = p_round;
  delete from visit_area_counts where round_id = p_round;
  delete from visit_volunteer_counts where round_id = p_round;
  delete from visit_finished_days where round_id = p_round;
  -- Per place first (a row per place), then spread over the places' paths.
  with a as materialized (
    select h.place_id, visit_tally_status(h.vacant, s.status) as status, coalesce(s.volunteers, '{}') as volunteers,
      visit_tally_day(h.vacant, s.status, s.last_at) as day
    from households h
    left join visit_household_states s on s.round_id = p_round and s.household_id = h.id
    where h.county_id = (select r.county_id from visit_rounds r where r.id = p_round) and h.path && v_targets
  ), by_place as materialized (
    select a.place_id,
        count(*) filter (where a.status = 'registerVacant') as register_vacant,
        count(*) filter (where a.status = 'pending') as pending,
        count(*) filter (where a.status = 'notHome') as not_home,
        count(*) filter (where a.status = 'reached') as reached,
        count(*) filter (where a.status = 'refused') as refused,
        count(*) filter (where a.status = 'vacant') as vacant,
        count(*) filter (where a.status = 'unreachable') as unreachable
    from a group by a.place_id
  ), by_volunteer as materialized (
    select a.place_id, v.id as volunteer_id,
        count(*) filter (where a.status = 'registerVacant') as register_vacant,
        count(*) filter (where a.status = 'pending') as pending,
        count(*) filter (where a.status = 'notHome') as not_home,
        count(*) filter (where a.status = 'reached') as reached,
        count(*) filter (where a.status = 'refused') as refused,
        count(*) filter (where a.status = 'vacant') as vacant,
        count(*) filter (where a.status = 'unreachable') as unreachable
    from a cross join lateral unnest(a.volunteers) as v(id) group by a.place_id, v.id
  ), by_day as materialized (
    select a.place_id, a.day, count(*) as households from a where a.day is not null group by a.place_id, a.day
  ), place_rows as (
    insert into visit_place_counts (round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, b.* from by_place b
  ), area_rows as (
    insert into visit_area_counts (round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, x.id, sum(b.register_vacant), sum(b.pending), sum(b.not_home), sum(b.reached), sum(b.refused), sum(b.vacant), sum(b.unreachable) from by_place b join places p on p.id = b.place_id
      cross join lateral unnest(p.path) as x(id) group by x.id
  ), volunteer_rows as (
    insert into visit_volunteer_counts (round_id, place_id, volunteer_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select p_round, x.id, b.volunteer_id, sum(b.register_vacant), sum(b.pending), sum(b.not_home), sum(b.reached), sum(b.refused), sum(b.vacant), sum(b.unreachable) from by_volunteer b join places p on p.id = b.place_id
      cross join lateral unnest(p.path) as x(id) group by x.id, b.volunteer_id
  )
  insert into visit_finished_days (round_id, place_id, day, households)
    select p_round, x.id, b.day, sum(b.households) from by_day b join places p on p.id = b.place_id
    cross join lateral unnest(p.path) as x(id) group by x.id, b.day;
end $$;

-- The rounds that exist before this migration get their counts.
select visit_recount_tallies(id) from visit_rounds;
