-- The write path at the speed of the machine (docs/decisions/006-write-path.md).

-- 1. The insert tally trigger with static SQL. The statements are those of
-- rate_tally_statements(…, 1) over the inserted rows; as static SQL PL/pgSQL plans them once per
-- connection instead of formatting, parsing and planning two statements on every submission.
-- Voiding and rebuild_rate_tallies keep the shared dynamic statements (rare, and bulk).
create or replace function responses_tally_insert() returns trigger language plpgsql as $$
begin
  insert into response_tallies as t (county_id, campaign_id, place_id, week, responses)
  select county_id, campaign_id, place_id, rate_week(finished_at), count(*)
  from inserted_responses r
  where r.voided_at is null
  group by county_id, campaign_id, place_id, rate_week(finished_at)
  order by campaign_id, place_id, rate_week(finished_at)
  on conflict (campaign_id, place_id, week) do update set responses = t.responses + excluded.responses;

  with answers as materialized (
    select r.county_id, r.campaign_id, rate_week(r.finished_at) as week, r.place_id, a.key as question,
      a.value #>> '{}' as answer, count(*) as n
    from inserted_responses r
    cross join lateral jsonb_each(r.answers) a
    join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
    where r.voided_at is null and jsonb_typeof(a.value) in ('string', 'number', 'boolean')
    group by 1, 2, 3, 4, 5, 6
  ), weekly as (
    insert into answer_tallies as t (county_id, campaign_id, week, place_id, question, answer, responses)
    select county_id, campaign_id, week, place_id, question, answer, n from answers
    order by campaign_id, week, place_id, question, answer
    on conflict (campaign_id, week, place_id, question, answer) do update set responses = t.responses + excluded.responses
  )
  insert into answer_totals as t (county_id, campaign_id, place_id, question, answer, responses)
  select county_id, campaign_id, place_id, question, answer, sum(n) from answers
  group by county_id, campaign_id, place_id, question, answer
  order by campaign_id, place_id, question, answer
  on conflict (campaign_id, place_id, question, answer) do update set responses = t.responses + excluded.responses;
  return null;
end $$;

-- 2. A resident's submission in one round trip and one short transaction (the statement's own):
-- household code check and lock, the insert (idempotent on the client key), the device claim,
-- the code marked used. Outcomes: 'stored', 'replay' (this client key is stored already),
-- 'codeUnknown', 'codeUsed'; a device that has answered already raises 'deviceUsed', which
-- rolls the insert back. The link's completion count is kept by the app (buffered, see
-- app/models/link-counters.server.ts), so no link row is locked by a submission.
create function submit_response(
  p_county integer, p_campaign integer, p_version integer, p_place integer, p_link integer,
  p_policy text, p_household_code text, p_channel text, p_answers jsonb, p_client_key text,
  p_device text, p_started timestamptz, p_finished timestamptz, p_duration integer,
  p_user_agent text, p_collected_by integer,
  out outcome text, out response_id bigint) language plpgsql as $$
declare
  v_code_id integer;
  v_household integer;
  v_used boolean;
  v_inside boolean;
begin
  if p_policy = 'household' then
    select c.id, c.household_id, c.used_at is not null, b.path @> array[p_place]
      into v_code_id, v_household, v_used, v_inside
    from household_codes c join places b on b.id = c.place_id
    where c.code = p_household_code and c.campaign_id = p_campaign
    for update of c;
    if v_code_id is null or not v_inside then
      outcome := 'codeUnknown';
      return;
    end if;
    if v_used then
      -- The same submission, sent twice at once: the other one used the code.
      select r.id into response_id from responses r where r.campaign_id = p_campaign and r.client_key = p_client_key;
      outcome := case when response_id is null then 'codeUsed' else 'replay' end;
      return;
    end if;
  end if;

  insert into responses (county_id, campaign_id, survey_version_id, place_id, link_id, household_code_id,
    household_id, channel, answers, client_key, device_id, started_at, finished_at, duration_seconds,
    user_agent, collected_by)
  values (p_county, p_campaign, p_version, p_place, p_link, v_code_id, v_household, p_channel, p_answers,
    p_client_key, p_device, p_started, p_finished, p_duration, p_user_agent, p_collected_by)
  on conflict (campaign_id, client_key) do nothing
  returning id into response_id;
  if response_id is null then
    select r.id into response_id from responses r where r.campaign_id = p_campaign and r.client_key = p_client_key;
    outcome := 'replay';
    return;
  end if;

  if p_policy = 'device' and p_device is not null then
    insert into campaign_devices (campaign_id, device_id, response_id) values (p_campaign, p_device, response_id)
    on conflict do nothing;
    if not found then
      raise exception 'deviceUsed' using errcode = 'P0001', hint = 'wenming:deviceUsed';
    end if;
  end if;
  if v_code_id is not null then
    update household_codes set used_at = p_finished where id = v_code_id;
  end if;
  outcome := 'stored';
end $$;
