-- The refusal rate (拒访率 = refused ÷ tried, docs/decisions/009) at the end of any week, from the
-- state rows like coverage: each household's first counted log (tried since then) and first
-- counted refusal. Reached wins over refused and refused over the other outcomes
-- (app/domain/visits.ts), so a household counted as refused at t when refused_at <= t and not
-- reached_at <= t. Written by refreshStates from householdVisitState like the other columns.
alter table visit_household_states add column first_at timestamptz, add column refused_at timestamptz;

-- Existing rows: the counted logs are those not rejected, not an undo, and not taken back by an
-- undo that is itself not rejected (countedLogs). coverageDifferences checks the result against
-- householdVisitState like every other column.
update visit_household_states s set first_at = x.first_at, refused_at = x.refused_at
from (
  select l.round_id, l.household_id, min(l.at) as first_at, min(l.at) filter (where l.outcome = 'refused') as refused_at
  from visit_logs l
  where l.review_state <> 'rejected' and l.undoes is null
    and not exists (select 1 from visit_logs u where u.undoes = l.id and u.review_state <> 'rejected')
  group by 1, 2
) x
where s.round_id = x.round_id and s.household_id = x.household_id;
