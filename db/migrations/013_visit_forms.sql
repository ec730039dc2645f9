-- Questionnaires on the volunteer's phone (issue 10): the questionnaire filled with a resident
-- (a response, channel "volunteer", linked to the household), the round's message or quiz shown
-- when a household is reached (its answers in visit_answers, channel "visit", linked to the visit
-- log), and the review of volunteer-collected responses (docs/decisions/008-visit-forms.md).

-- The round's short quiz: a published survey version (the round's questionnaire is campaign_id).
alter table visit_rounds add column quiz_version_id integer references survey_versions(id);

-- Answers to the round's quiz, given at the door right after a "reached" log. Stored like
-- responses (the exact version, answers as jsonb keyed by question name, who collected them,
-- timing, a client key made on the phone) and, like them, never edited or deleted; they feed no
-- rate, so they are not in the responses table and its tallies.
create table visit_answers (
  id                bigint generated always as identity primary key,
  county_id         integer not null references counties(id),
  round_id          integer not null references visit_rounds(id),
  visit_log_id      bigint not null unique references visit_logs(id),
  household_id      integer not null references households(id),
  survey_version_id integer not null references survey_versions(id),
  place_id          integer not null references places(id),
  path              integer[] not null,
  channel           text not null default 'visit' check (channel = 'visit'),
  answers           jsonb not null,
  client_key        text not null check (length(client_key) between 8 and 64),
  started_at        timestamptz,
  finished_at       timestamptz not null default now(),
  duration_seconds  integer,
  collected_by      integer not null references users(id),
  unique (round_id, client_key)
);
create index visit_answers_path on visit_answers using gin (path);

create function visit_answers_keep() returns trigger language plpgsql as $$
begin
  raise exception 'visit answers are never edited or deleted (answer %)', old.id;
end $$;
create trigger visit_answers_keep before update or delete on visit_answers for each row execute function visit_answers_keep();

-- The review of a response a volunteer collected (flagged by a signal): accepted, or rejected with
-- a reason. A rejection also voids the response (the one way a response stops counting), so the
-- rate tallies follow through the void trigger; the row stays in history.
create table response_reviews (
  response_id bigint primary key references responses(id),
  county_id   integer not null references counties(id),
  state       text not null check (state in ('accepted', 'rejected')),
  reason      text check (length(reason) <= 500),
  reviewed_by integer not null references users(id),
  reviewed_at timestamptz not null default now(),
  check (state <> 'rejected' or reason is not null)
);

-- Volunteer-collected responses by volunteer and day (the review's signals read them per round).
create index responses_collected on responses (campaign_id, collected_by, finished_at) where collected_by is not null;

-- submit_responses as in 006, with one more item field: `household`, the household a volunteer
-- filled the questionnaire with (a household code, when the policy needs one, still decides).
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
