-- The week tallies in one row per campaign × place × week (docs/decisions/004-rate-tallies.md,
-- addendum "issue 9").
--
-- answer_tallies held one row per campaign × week × place × tagged question × answer: at a
-- million responses about 340k rows on the demo county, and a trend (every week of every
-- building) or a cumulative bulletin read and summed most of them. Their counts now live in
-- response_tallies.answers, beside the week's response count of the same place:
--   {"sat_environment": {"满意": 31, "基本满意": 25, "不满意": 20}, "aware": {"知道": 70, …}, …}
-- still raw answer values (what is positive, excluded or worth how many points is decided when
-- rates are read), still exact in the submitting transaction, now one row per place and week
-- (about 11k at a million responses) and one row fewer to upsert per tagged answer.

alter table response_tallies add column answers jsonb not null default '{}';

update response_tallies t set answers = w.answers
from (
  select campaign_id, place_id, week, jsonb_object_agg(question, answers) as answers
  from (
    select campaign_id, place_id, week, question, jsonb_object_agg(answer, responses) as answers
    from answer_tallies where responses <> 0
    group by campaign_id, place_id, week, question
  ) q
  group by campaign_id, place_id, week
) w
where w.campaign_id = t.campaign_id and w.place_id = t.place_id and w.week = t.week;

drop table answer_tallies;

-- Two answer counts added up ({question: {answer: count}}), touching only the delta's answers (a
-- submission's handful, not the week's every answer); an answer whose count reaches 0 (all its
-- responses voided) is left out.
create function rate_answers_add(total jsonb, delta jsonb) returns jsonb language sql immutable parallel safe as $$
  select jsonb_strip_nulls(total || coalesce((
    select jsonb_object_agg(q.key, coalesce(total -> q.key, '{}') || (
      select jsonb_object_agg(a.key, nullif(coalesce((total -> q.key ->> a.key)::integer, 0) + (a.value)::integer, 0))
      from jsonb_each(q.value) a))
    from jsonb_each(delta) q), '{}'))
$$;

-- The statements that add `sign` × the responses of `source` to the tallies (voiding and
-- rebuilding run them; the insert trigger below is the same as static SQL). First the place's
-- week (responses and answers together), then the totals, each touched in key order.
create or replace function rate_tally_statements(source text, sign integer) returns text[] language sql immutable as $$
  select array[
    format($q$
      with counted as (
        select county_id, campaign_id, place_id, rate_week(finished_at) as week, count(*) as n
        from (%2$s) r
        group by county_id, campaign_id, place_id, rate_week(finished_at)
      ), answered as (
        select campaign_id, place_id, week, jsonb_object_agg(question, answers) as answers
        from (
          select campaign_id, place_id, week, question, jsonb_object_agg(answer, n) as answers
          from (
            select r.campaign_id, r.place_id, rate_week(r.finished_at) as week, a.key as question,
              a.value #>> '{}' as answer, %1$s * count(*) as n
            from (%2$s) r
            cross join lateral jsonb_each(r.answers) a
            join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
            where jsonb_typeof(a.value) in ('string', 'number', 'boolean')
            group by 1, 2, 3, 4, 5
          ) x
          group by campaign_id, place_id, week, question
        ) y
        group by campaign_id, place_id, week
      )
      insert into response_tallies as t (county_id, campaign_id, place_id, week, responses, answers)
      select c.county_id, c.campaign_id, c.place_id, c.week, %1$s * c.n, coalesce(a.answers, '{}')
      from counted c left join answered a using (campaign_id, place_id, week)
      order by c.campaign_id, c.place_id, c.week
      on conflict (campaign_id, place_id, week) do update
        set responses = t.responses + excluded.responses, answers = rate_answers_add(t.answers, excluded.answers)
    $q$, sign, source),
    format($q$
      insert into answer_totals as t (county_id, campaign_id, place_id, question, answer, responses)
      select r.county_id, r.campaign_id, r.place_id, a.key, a.value #>> '{}', %1$s * count(*)
      from (%2$s) r
      cross join lateral jsonb_each(r.answers) a
      join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
      where jsonb_typeof(a.value) in ('string', 'number', 'boolean')
      group by r.county_id, r.campaign_id, r.place_id, a.key, a.value #>> '{}'
      order by r.campaign_id, r.place_id, a.key, a.value #>> '{}'
      on conflict (campaign_id, place_id, question, answer) do update set responses = t.responses + excluded.responses
    $q$, sign, source)]
$$;

-- The insert trigger: rate_tally_statements(…, 1) over the inserted rows, as static SQL (planned
-- once per connection, docs/decisions/006-write-path.md).
create or replace function responses_tally_insert() returns trigger language plpgsql as $$
begin
  with counted as (
    select county_id, campaign_id, place_id, rate_week(finished_at) as week, count(*) as n
    from inserted_responses r
    where r.voided_at is null
    group by county_id, campaign_id, place_id, rate_week(finished_at)
  ), answered as (
    select campaign_id, place_id, week, jsonb_object_agg(question, answers) as answers
    from (
      select campaign_id, place_id, week, question, jsonb_object_agg(answer, n) as answers
      from (
        select r.campaign_id, r.place_id, rate_week(r.finished_at) as week, a.key as question,
          a.value #>> '{}' as answer, count(*) as n
        from inserted_responses r
        cross join lateral jsonb_each(r.answers) a
        join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
        where r.voided_at is null and jsonb_typeof(a.value) in ('string', 'number', 'boolean')
        group by 1, 2, 3, 4, 5
      ) x
      group by campaign_id, place_id, week, question
    ) y
    group by campaign_id, place_id, week
  )
  insert into response_tallies as t (county_id, campaign_id, place_id, week, responses, answers)
  select c.county_id, c.campaign_id, c.place_id, c.week, c.n, coalesce(a.answers, '{}')
  from counted c left join answered a using (campaign_id, place_id, week)
  order by c.campaign_id, c.place_id, c.week
  on conflict (campaign_id, place_id, week) do update
    set responses = t.responses + excluded.responses, answers = rate_answers_add(t.answers, excluded.answers);

  insert into answer_totals as t (county_id, campaign_id, place_id, question, answer, responses)
  select r.county_id, r.campaign_id, r.place_id, a.key, a.value #>> '{}', count(*)
  from inserted_responses r
  cross join lateral jsonb_each(r.answers) a
  join rate_questions q on q.survey_version_id = r.survey_version_id and q.name = a.key
  where r.voided_at is null and jsonb_typeof(a.value) in ('string', 'number', 'boolean')
  group by r.county_id, r.campaign_id, r.place_id, a.key, a.value #>> '{}'
  order by r.campaign_id, r.place_id, a.key, a.value #>> '{}'
  on conflict (campaign_id, place_id, question, answer) do update set responses = t.responses + excluded.responses;
  return null;
end $$;

create or replace function rebuild_rate_tallies(campaign integer) returns void language plpgsql as $$
declare statement text;
begin
  delete from answer_totals where campaign_id = campaign;
  delete from response_tallies where campaign_id = campaign;
  foreach statement in array rate_tally_statements(
    format('select * from responses where campaign_id = %s and voided_at is null', campaign), 1) loop
    execute statement;
  end loop;
end $$;
