-- Each household's current door-to-door state in a round (docs/decisions/009), kept beside the
-- logs so that coverage is a GROUP BY over one row per household instead of a replay of every log.
-- Derived data: the logs stay the truth. A row is written, in the same transaction as the logs or
-- the review that changed it, from app/domain/visits.ts householdVisitState over all of the
-- household's logs; `coverageDifferences` compares every row with a recomputation from the logs.
-- No foreign keys, like the rate tallies: the rows are checked against the logs instead.
create table visit_household_states (
  round_id          integer not null,
  household_id      integer not null,
  county_id         integer not null,
  status            text not null check (status in ('pending', 'notHome', 'reached', 'refused', 'vacant', 'unreachable')),
  -- Counted logs (undone and rejected ones left out).
  attempts          integer not null,
  -- The first counted reached log (reached stays reached): coverage at the end of a week.
  reached_at        timestamptz,
  last_at           timestamptz,
  last_outcome      text,
  last_volunteer_id integer,
  -- Everyone who logged the household (their own work, counted or not): the volunteer level.
  volunteers        integer[] not null default '{}',
  conflict          boolean not null default false,
  primary key (round_id, household_id)
);
create index visit_household_states_finished on visit_household_states (round_id, last_at)
  where status in ('reached', 'refused', 'vacant', 'unreachable');
