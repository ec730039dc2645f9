-- The tenant key (docs/decisions/011): every county-owned table carries `county_id integer not
-- null`, so that the schema can be distributed by county (Citus) with every table co-located, and
-- every query can name the one county it reads or writes. The tables below got their county from a
-- parent row until now; each gets the column, filled from that parent, and the functions that
-- write them (submit_responses, the coverage tallies, the rate questions trigger) write it.

-- Audit rows no county can be named for: sign-in refusals on a name with no account. They stay
-- local (like login_failures), apart from the county-owned audit log.
create table audit_log_unscoped (
  id         bigint generated always as identity primary key,
  user_id    integer references users(id),
  action     text not null,
  target     text,
  details    jsonb not null default '{}',
  ip         text,
  created_at timestamptz not null default now()
);
update audit_log a set county_id = u.county_id from users u where a.county_id is null and u.id = a.user_id;
update audit_log a set county_id = u.county_id from users u
  where a.county_id is null and a.target is not null and (lower(u.username) = lower(a.target) or u.phone = a.target);
with moved as (delete from audit_log where county_id is null returning *)
insert into audit_log_unscoped (user_id, action, target, details, ip, created_at)
  select user_id, action, target, details, ip, created_at from moved order by id;
alter table audit_log alter column county_id set not null;

alter table campaign_devices add column county_id integer references counties(id);
update campaign_devices d set county_id = c.county_id from campaigns c where c.id = d.campaign_id;
alter table campaign_devices alter column county_id set not null;

alter table evaluation_sample_tickets add column county_id integer references counties(id);
update evaluation_sample_tickets t set county_id = s.county_id from evaluation_samples s where s.id = t.sample_id;
alter table evaluation_sample_tickets alter column county_id set not null;

alter table rate_questions add column county_id integer references counties(id);
update rate_questions q set county_id = v.county_id from survey_versions v where v.id = q.survey_version_id;
alter table rate_questions alter column county_id set not null;

-- Unlogged and emptied when an import ends: no foreign key, like the rest of its columns.
alter table ticket_import_rows add column county_id integer;
update ticket_import_rows r set county_id = i.county_id from ticket_imports i where i.id = r.import_id;
delete from ticket_import_rows where county_id is null;
alter table ticket_import_rows alter column county_id set not null;

-- Derived counts without foreign keys (decision 009): the county of their round.
alter table visit_place_counts add column county_id integer;
update visit_place_counts c set county_id = r.county_id from visit_rounds r where r.id = c.round_id;
alter table visit_place_counts alter column county_id set not null;
alter table visit_area_counts add column county_id integer;
update visit_area_counts c set county_id = r.county_id from visit_rounds r where r.id = c.round_id;
alter table visit_area_counts alter column county_id set not null;
alter table visit_volunteer_counts add column county_id integer;
update visit_volunteer_counts c set county_id = r.county_id from visit_rounds r where r.id = c.round_id;
alter table visit_volunteer_counts alter column county_id set not null;
alter table visit_finished_days add column county_id integer;
update visit_finished_days c set county_id = r.county_id from visit_rounds r where r.id = c.round_id;
alter table visit_finished_days alter column county_id set not null;

create or replace function survey_versions_rate_questions() returns trigger language plpgsql as $$
begin
  insert into rate_questions (county_id, survey_version_id, name)
  select new.county_id, new.id, q from rate_questions_of(new.definition) q;
  return null;
end $$;

-- submit_responses as in 013, the device claim with its county.
create or replace function submit_responses(p_items jsonb)
returns table (item integer, outcome text, response_id bigint) language plpgsql as $$
declare
  it record;
  c record;
  v_refusal text;
  v_id bigint;
  v_code_id integer;
  v_household integer;
  v_used boolean;
  v_inside boolean;
  v_seq regclass := pg_get_serial_sequence('responses', 'id')::regclass;
  v_rows jsonb := '[]';
  v_items integer[] := '{}';
  v_outcomes text[] := '{}';
  v_ids bigint[] := '{}';
  v_pending_items integer[] := '{}';
  v_pending_ids bigint[] := '{}';
  v_pending_codes integer[] := '{}';
  v_inserted bigint[];
  i integer;
begin
  for it in
    select x.*, e.n::integer as n
    from jsonb_array_elements(p_items) with ordinality as e(j, n)
    cross join lateral jsonb_to_record(e.j) as x(
      county integer, campaign integer, version integer, place integer, link integer, code text, channel text,
      answers jsonb, key text, device text, started timestamptz, duration integer, agent text, collected_by integer, at timestamptz,
      household integer)
    order by e.n
  loop
    v_refusal := null;
    v_code_id := null;
    v_household := null;
    select cc.state, cc.opens_at, cc.closes_at, cc.survey_version_id, cc.duplicate_policy into c from campaigns cc where cc.id = it.campaign;
    if c.state = 'closed' or it.at >= c.closes_at then v_refusal := 'closed';
    elsif c.state = 'paused' then v_refusal := 'paused';
    elsif c.state = 'draft' or it.at < c.opens_at then v_refusal := 'notOpen';
    elsif c.survey_version_id <> it.version then v_refusal := 'versionMismatch';
    elsif c.duplicate_policy = 'household' and it.code is null then v_refusal := 'codeRequired';
    end if;
    if v_refusal is null and c.duplicate_policy = 'household' then
      select hc.id, hc.household_id, hc.used_at is not null, b.path @> array[it.place]
        into v_code_id, v_household, v_used, v_inside
      from household_codes hc join places b on b.id = hc.place_id
      where hc.code = it.code and hc.campaign_id = it.campaign
      for update of hc;
      if v_code_id is null or not v_inside then v_refusal := 'codeUnknown';
      elsif v_used then v_refusal := 'codeUsed';
      end if;
    end if;
    if v_refusal is null then
      v_id := nextval(v_seq);
      if c.duplicate_policy = 'device' and it.device is not null then
        insert into campaign_devices (county_id, campaign_id, device_id, response_id) values (it.county, it.campaign, it.device, v_id)
        on conflict do nothing;
        if not found then v_refusal := 'deviceUsed'; end if;
      end if;
    end if;
    if v_refusal is not null then
      select r.id into v_id from responses r where r.campaign_id = it.campaign and r.client_key = it.key;
      v_items := v_items || it.n;
      v_outcomes := v_outcomes || case when v_id is null then v_refusal else 'replay' end;
      v_ids := v_ids || v_id;
      continue;
    end if;
    if v_code_id is not null then
      update household_codes set used_at = it.at where id = v_code_id;
    end if;
    v_rows := v_rows || jsonb_build_object('id', v_id, 'county_id', it.county, 'campaign_id', it.campaign,
      'survey_version_id', it.version, 'place_id', it.place, 'link_id', it.link, 'household_code_id', v_code_id,
      'household_id', coalesce(v_household, it.household), 'channel', it.channel, 'answers', it.answers, 'client_key', it.key,
      'device_id', it.device, 'started_at', it.started, 'duration_seconds', it.duration, 'user_agent', it.agent,
      'collected_by', it.collected_by, 'finished_at', it.at);
    v_pending_items := v_pending_items || it.n;
    v_pending_ids := v_pending_ids || v_id;
    v_pending_codes := v_pending_codes || v_code_id;
  end loop;

  with inserted as (
    insert into responses (id, county_id, campaign_id, survey_version_id, place_id, link_id, household_code_id,
      household_id, channel, answers, client_key, device_id, started_at, finished_at, duration_seconds, user_agent, collected_by)
    overriding system value
    select x.id, x.county_id, x.campaign_id, x.survey_version_id, x.place_id, x.link_id, x.household_code_id,
      x.household_id, x.channel, x.answers, x.client_key, x.device_id, x.started_at, x.finished_at, x.duration_seconds, x.user_agent, x.collected_by
    from jsonb_to_recordset(v_rows) as x(id bigint, county_id integer, campaign_id integer, survey_version_id integer,
      place_id integer, link_id integer, household_code_id integer, household_id integer, channel text, answers jsonb,
      client_key text, device_id text, started_at timestamptz, duration_seconds integer, user_agent text, collected_by integer, finished_at timestamptz)
    on conflict (campaign_id, client_key) do nothing
    returning id
  )
  select coalesce(array_agg(id), '{}') into v_inserted from inserted;

  for i in 1 .. coalesce(array_length(v_pending_items, 1), 0) loop
    if v_pending_ids[i] = any(v_inserted) then
      v_items := v_items || v_pending_items[i];
      v_outcomes := v_outcomes || 'stored'::text;
      v_ids := v_ids || v_pending_ids[i];
    else
      -- The same client key, stored meanwhile by another call: undo this one's claims.
      delete from campaign_devices d where d.response_id = v_pending_ids[i];
      if v_pending_codes[i] is not null then
        update household_codes set used_at = null where id = v_pending_codes[i];
      end if;
      select r.id into v_id from (select (p_items -> (v_pending_items[i] - 1)) as j) s
        join responses r on r.campaign_id = (s.j->>'campaign')::int and r.client_key = s.j->>'key';
      v_items := v_items || v_pending_items[i];
      v_outcomes := v_outcomes || 'replay'::text;
      v_ids := v_ids || v_id;
    end if;
  end loop;

  return query select * from unnest(v_items, v_outcomes, v_ids);
end $$;

-- The coverage tallies as in 014, every row and every statement with the round's county.
create or replace function visit_tally_change(p_round integer, p_before jsonb, p_after jsonb) returns void language plpgsql as $$
declare
  v_county integer := (select r.county_id from visit_rounds r where r.id = p_round);
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
    from changes c join households h on h.county_id = v_county and h.id = c.household_id
    where h.path && v_targets
  ), areas as materialized (
    select d.*, a.id as area from d cross join lateral unnest(d.path) as a(id)
  ), place_rows as (
    insert into visit_place_counts as c (county_id, round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, d.place_id,
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
    insert into visit_area_counts as c (county_id, round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, a.area,
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
    insert into visit_volunteer_counts as c (county_id, round_id, place_id, volunteer_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, a.area, v.id,
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
    insert into visit_finished_days as c (county_id, round_id, place_id, day, households)
      select v_county, p_round, a.area, a.day, sum(a.sign) from areas a where a.day is not null
      group by a.area, a.day having sum(a.sign) <> 0 order by a.area, a.day
    on conflict (round_id, place_id, day) do update set households = c.households + excluded.households
  )
  select array_agg(distinct d.place_id), (select array_agg(distinct a.area) from areas a) into v_places, v_areas from d;
  if v_places is null then
    return;
  end if;
  -- (Not a check constraint: an upsert checks the proposed row, a negative change, before it finds the conflict.)
  if exists (select 1 from visit_place_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_places) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_area_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_volunteer_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and (c.register_vacant < 0 or c.pending < 0 or c.not_home < 0 or c.reached < 0 or c.refused < 0 or c.vacant < 0 or c.unreachable < 0))
     or exists (select 1 from visit_finished_days c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and c.households < 0) then
    raise exception 'coverage tallies of round % out of step with the household states', p_round;
  end if;
  delete from visit_place_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_places) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_area_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_volunteer_counts c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and c.register_vacant = 0 and c.pending = 0 and c.not_home = 0 and c.reached = 0 and c.refused = 0 and c.vacant = 0 and c.unreachable = 0;
  delete from visit_finished_days c where c.county_id = v_county and c.round_id = p_round and c.place_id = any(v_areas) and c.households = 0;
end $$;

-- Rewrites a round's counts from its target households and their state rows. No state row is
-- written meanwhile (the lock waits for the syncs and reviews under way; they wait for it).
create or replace function visit_recount_tallies(p_round integer) returns void language plpgsql as $$
declare
  v_county integer := (select r.county_id from visit_rounds r where r.id = p_round);
  v_targets integer[] := visit_round_target_ids(p_round);
begin
  lock table visit_household_states in share row exclusive mode;
  delete from visit_place_counts where county_id = v_county and round_id = p_round;
  delete from visit_area_counts where county_id = v_county and round_id = p_round;
  delete from visit_volunteer_counts where county_id = v_county and round_id = p_round;
  delete from visit_finished_days where county_id = v_county and round_id = p_round;
  -- Per place first (a row per place), then spread over the places' paths.
  with a as materialized (
    select h.place_id, visit_tally_status(h.vacant, s.status) as status, coalesce(s.volunteers, '{}') as volunteers,
      visit_tally_day(h.vacant, s.status, s.last_at) as day
    from households h
    left join visit_household_states s on s.county_id = v_county and s.round_id = p_round and s.household_id = h.id
    where h.county_id = v_county and h.path && v_targets
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
    insert into visit_place_counts (county_id, round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, b.* from by_place b
  ), area_rows as (
    insert into visit_area_counts (county_id, round_id, place_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, x.id, sum(b.register_vacant), sum(b.pending), sum(b.not_home), sum(b.reached), sum(b.refused), sum(b.vacant), sum(b.unreachable) from by_place b join places p on p.county_id = v_county and p.id = b.place_id
      cross join lateral unnest(p.path) as x(id) group by x.id
  ), volunteer_rows as (
    insert into visit_volunteer_counts (county_id, round_id, place_id, volunteer_id, register_vacant, pending, not_home, reached, refused, vacant, unreachable)
      select v_county, p_round, x.id, b.volunteer_id, sum(b.register_vacant), sum(b.pending), sum(b.not_home), sum(b.reached), sum(b.refused), sum(b.vacant), sum(b.unreachable) from by_volunteer b join places p on p.county_id = v_county and p.id = b.place_id
      cross join lateral unnest(p.path) as x(id) group by x.id, b.volunteer_id
  )
  insert into visit_finished_days (county_id, round_id, place_id, day, households)
    select v_county, p_round, x.id, b.day, sum(b.households) from by_day b join places p on p.county_id = v_county and p.id = b.place_id
    cross join lateral unnest(p.path) as x(id) group by x.id, b.day;
end $$;
