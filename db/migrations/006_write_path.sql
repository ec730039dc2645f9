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

-- 2. Residents' submissions in batches: one call stores every submission that arrived while the
-- previous call ran (app/models/responses.server.ts), in one transaction with one INSERT, so the
-- tally trigger, the commit and the round trip are shared. Per submission, in order: the campaign
-- as it is now (state, times, version, policy), the household code (locked), the device claim;
-- then all accepted rows in one INSERT, idempotent on the client key. Any refusal first looks for
-- a stored response with the same client key: a replay succeeds again whatever changed since.
-- Each item carries its arrival time `at` (finished_at).
-- Outcomes per item (its 1-based position): stored, replay, notOpen, paused, closed,
-- versionMismatch, codeRequired, codeUnknown, codeUsed, deviceUsed.
--
-- A device claim is written before its response (with the response's id taken from the
-- sequence), so its foreign key is checked at commit.
alter table campaign_devices alter constraint campaign_devices_response_id_fkey deferrable initially deferred;

create function submit_responses(p_items jsonb)
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
      answers jsonb, key text, device text, started timestamptz, duration integer, agent text, collected_by integer, at timestamptz)
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
        insert into campaign_devices (campaign_id, device_id, response_id) values (it.campaign, it.device, v_id)
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
      'household_id', v_household, 'channel', it.channel, 'answers', it.answers, 'client_key', it.key,
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
