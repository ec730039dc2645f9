-- Rates: running tallies of answers, so a rate table reads thousands of tally rows instead of
-- every response (docs/decisions/004-rate-tallies.md).
--
-- A tally counts, per campaign × ISO week (Asia/Shanghai) × place × tagged question × answer
-- value, the responses that are not voided. What counts as positive, excluded or how many points
-- an answer is worth is decided when rates are read, from the version's tags, so the tallies
-- never depend on a measure's definition.

-- The week a response belongs to: the Monday of its ISO week on the Beijing calendar (immutable:
-- China has kept one UTC+8 offset since 1991).
create function rate_week(at timestamptz) returns date language sql immutable parallel safe as $$
  select (date_trunc('week', at at time zone 'Asia/Shanghai'))::date
$$;

-- The questions of a version that carry a measure tag. survey_versions rows are immutable, so
-- this is derived once, when the version is inserted. The JSON walk visits every object of the
-- definition (pages, panels, dynamic panels), a superset of what taggedQuestions() reads; the
-- rates code decides which of them feed which measure.
create table rate_questions (
  survey_version_id integer not null references survey_versions(id),
  name              text not null,
  primary key (survey_version_id, name)
);

create function rate_questions_of(definition jsonb) returns setof text language sql immutable as $$
  select distinct e->>'name'
  from jsonb_path_query(definition, 'strict $.**') as e
  where jsonb_typeof(e) = 'object' and jsonb_typeof(e->'measure') = 'string' and jsonb_typeof(e->'name') = 'string'
$$;

create function survey_versions_rate_questions() returns trigger language plpgsql as $$
begin
  insert into rate_questions (survey_version_id, name)
  select new.id, q from rate_questions_of(new.definition) q;
  return null;
end $$;
create trigger survey_versions_rate_questions after insert on survey_versions
  for each row execute function survey_versions_rate_questions();

insert into rate_questions (survey_version_id, name)
select v.id, q from survey_versions v cross join lateral rate_questions_of(v.definition) q;

-- The tallies are derived from responses (which carry the foreign keys) and are checked against
-- them (`npm run cli -- rates --check`); foreign keys here would cost more than the whole
-- aggregation on every bulk load, so there are none.

-- Responses that count (not voided) per campaign × place × week: the base of "no answer" counts.
-- Place before week: the rate queries look places up one by one when they start from the scope.
create table response_tallies (
  county_id   integer not null,
  campaign_id integer not null,
  place_id    integer not null,
  week        date not null,
  responses   integer not null,
  primary key (campaign_id, place_id, week)
);

-- Single answers (string, number, boolean) to tagged questions, as text: 满意, 4, true. Week
-- first in the key, so a week's (or a range of weeks') rows are one index range.
create table answer_tallies (
  county_id   integer not null,
  campaign_id integer not null,
  week        date not null,
  place_id    integer not null,
  question    text not null,
  answer      text not null,
  responses   integer not null,
  primary key (campaign_id, week, place_id, question, answer)
);

-- The same over all weeks: the default rate tables read these few thousand rows, however many
-- responses and weeks there are.
create table answer_totals (
  county_id   integer not null,
  campaign_id integer not null,
  place_id    integer not null,
  question    text not null,
  answer      text not null,
  responses   integer not null,
  primary key (campaign_id, place_id, question, answer)
);

-- The upserts that add `sign` × the responses of `source` (a query over responses-shaped rows)
-- to the tallies. Each response's answers are read once (jsonb_each), grouped, and every tally
-- row is touched once per statement, in key order, so two concurrent submissions for the same
-- building queue instead of deadlocking. The statements are run by the trigger functions
-- themselves: transition tables are visible only to the function the trigger called.
create function rate_tally_statements(source text, sign integer) returns text[] language sql immutable as $$
  select array[
    format($q$
      insert into response_tallies as t (county_id, campaign_id, place_id, week, responses)
      select county_id, campaign_id, place_id, rate_week(finished_at), %1$s * count(*)
      from (%2$s) r
      group by county_id, campaign_id, place_id, rate_week(finished_at)
      order by campaign_id, place_id, rate_week(finished_at)
      on conflict (campaign_id, place_id, week) do update set responses = t.responses + excluded.responses
    $q$, sign, source),
    format($q$
      with answers as materialized (
        select r.county_id, r.campaign_id, rate_week(r.finished_at) as week, r.place_id, a.key as question,
          a.value #>> '{}' as answer, count(*) as n
        from (%2$s) r
        cross join lateral jsonb_each(r.answers) a
        join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
        where jsonb_typeof(a.value) in ('string', 'number', 'boolean')
        group by 1, 2, 3, 4, 5, 6
      ), weekly as (
        insert into answer_tallies as t (county_id, campaign_id, week, place_id, question, answer, responses)
        select county_id, campaign_id, week, place_id, question, answer, %1$s * n from answers
        order by campaign_id, week, place_id, question, answer
        on conflict (campaign_id, week, place_id, question, answer) do update set responses = t.responses + excluded.responses
      )
      insert into answer_totals as t (county_id, campaign_id, place_id, question, answer, responses)
      select county_id, campaign_id, place_id, question, answer, %1$s * sum(n) from answers
      group by county_id, campaign_id, place_id, question, answer
      order by campaign_id, place_id, question, answer
      on conflict (campaign_id, place_id, question, answer) do update set responses = t.responses + excluded.responses
    $q$, sign, source)]
$$;

-- Statement-level triggers with transition tables: a bulk insert of a million responses is one
-- grouped upsert, a resident's single submission a handful of row upserts.
create function responses_tally_insert() returns trigger language plpgsql as $$
declare statement text;
begin
  foreach statement in array rate_tally_statements('select * from inserted_responses where voided_at is null', 1) loop
    execute statement;
  end loop;
  return null;
end $$;
create trigger responses_tally_insert after insert on responses
  referencing new table as inserted_responses
  for each statement execute function responses_tally_insert();

-- Voiding is the only update responses allow (and it is final): take the voided ones back out.
create function responses_tally_void() returns trigger language plpgsql as $$
declare statement text;
begin
  foreach statement in array rate_tally_statements(
    'select n.* from updated_new n join updated_old o on o.id = n.id where o.voided_at is null and n.voided_at is not null', -1) loop
    execute statement;
  end loop;
  return null;
end $$;
create trigger responses_tally_void after update on responses
  referencing old table as updated_old new table as updated_new
  for each statement execute function responses_tally_void();

-- Recounts one campaign's tallies from its responses, e.g. after a load with triggers disabled
-- or to prove the tallies right (`npm run cli -- rates --rebuild`).
create function rebuild_rate_tallies(campaign integer) returns void language plpgsql as $$
declare statement text;
begin
  delete from answer_tallies where campaign_id = campaign;
  delete from answer_totals where campaign_id = campaign;
  delete from response_tallies where campaign_id = campaign;
  foreach statement in array rate_tally_statements(
    format('select * from responses where campaign_id = %s and voided_at is null', campaign), 1) loop
    execute statement;
  end loop;
end $$;
