-- Each called ticket's callback state (app/domain/callbacks.ts callbackState), kept beside its
-- calls and follow-ups so that the workbench queue reads the tickets with a call due, in its order,
-- instead of aggregating every call of the county (300 ms at a million tickets, growing with the calls).
-- Derived data: the calls and follow-ups stay the truth. A row is written in the transaction of the
-- call or the follow-up that changed it (the ticket's row locked), from callbackState over all of
-- the ticket's history; `callbackStateDifferences` compares every row with a recomputation.
-- Tickets called before this migration get their rows when it is applied (db/migrate.ts runs
-- rebuildCallbackStates in the migration's transaction). No foreign keys, like the tallies.
create table ticket_callback_states (
  ticket_id    integer primary key,
  county_id    integer not null,
  kind         text not null check (kind in ('due', 'closed', 'followUp', 'unreachable', 'noRetry')),
  round        smallint not null check (round in (1, 2)),
  -- Failed attempts of the round due (0 for the other kinds).
  failed       smallint not null default 0,
  -- Copied from the ticket (kept by the trigger below when an import changes it): the queue's order
  -- inside a round (rated unsatisfied or not rated originally first, then the most recently
  -- completed) and its filters, so that a filter nothing due matches reads the index only.
  urgent        boolean not null,
  completed_at  timestamptz,
  department_id integer,
  category      text,
  street        text
);
create index ticket_callback_states_due on ticket_callback_states (county_id, round, urgent desc, completed_at desc, ticket_id desc)
  include (department_id, category, street) where kind = 'due';

create function ticket_callback_states_follow() returns trigger language plpgsql as $$
begin
  update ticket_callback_states
     set urgent = new.original_satisfaction is null or new.original_satisfaction = 'unsatisfied',
         completed_at = new.completed_at, department_id = new.department_id, category = new.category, street = new.street
   where ticket_id = new.id;
  return null;
end $$;
create trigger tickets_callback_state_order after update on tickets for each row
  when ((old.original_satisfaction, old.completed_at, old.department_id, old.category, old.street)
        is distinct from (new.original_satisfaction, new.completed_at, new.department_id, new.category, new.street))
  execute function ticket_callback_states_follow();
