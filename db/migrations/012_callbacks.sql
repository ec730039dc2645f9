-- 12345 callbacks (issue 11, part 2): the evaluation's drawn samples, agents' claims on tickets,
-- every callback attempt as its own row (the original rating stays on the ticket; nothing is
-- overwritten), and the follow-up tasks of the responsible departments (闭环). A ticket's callback
-- state is never stored: app/domain/callbacks.ts derives it from its attempts and follow-ups.

-- A department account (承办单位) sees and reports only its own follow-up tasks.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check
  check (role in ('admin','street_staff','community_staff','grid_leader','volunteer','hotline_agent','viewer','department'));
alter table users add column department_id integer references departments(id);
alter table users add constraint users_department_role check ((role = 'department') = (department_id is not null));

-- "The evaluation's sample as of date D", with the rule it was drawn under (reproducible: the
-- same rule, seed and tickets draw the same sample). The county's latest draw is the current one.
create table evaluation_samples (
  id             integer generated always as identity primary key,
  county_id      integer not null references counties(id),
  as_of          timestamptz not null,
  months         integer not null check (months between 1 and 24),
  recent_months  integer not null check (recent_months between 0 and 24),
  recent_share   double precision not null check (recent_share between 0 and 1),
  size           integer not null check (size between 1 and 10000),
  seed           bigint not null check (seed between 0 and 4294967295),
  eligible       integer not null,
  drawn_by       integer references users(id),
  drawn_at       timestamptz not null default now(),
  check (recent_months <= months)
);
create index evaluation_samples_county on evaluation_samples (county_id, id desc);

create table evaluation_sample_tickets (
  sample_id  integer not null references evaluation_samples(id),
  ticket_id  integer not null references tickets(id),
  primary key (sample_id, ticket_id)
);
create index evaluation_sample_tickets_ticket on evaluation_sample_tickets (ticket_id);

-- An agent's hold on a ticket while calling. One row per ticket: a claim replaces an expired one
-- in one statement (insert … on conflict … where expired), so two agents never hold the same ticket.
create table callback_claims (
  ticket_id   integer primary key references tickets(id),
  county_id   integer not null references counties(id),
  agent_id    integer not null references users(id),
  claimed_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);
create index callback_claims_agent on callback_claims (agent_id, expires_at);

-- 回访: one row per call attempt. `round` 1 is the first callback, 2 the second (二次回访) after a
-- follow-up was reported done. `answers` is the call script's SurveyJS result as validated.
create table callbacks (
  id             bigint generated always as identity primary key,
  county_id      integer not null references counties(id),
  ticket_id      integer not null references tickets(id),
  round          smallint not null check (round in (1, 2)),
  agent_id       integer not null references users(id),
  called_at      timestamptz not null default now(),
  outcome        text not null check (outcome in ('reached', 'no_answer', 'busy', 'switched_off', 'wrong_number', 'refused')),
  satisfaction   text check (satisfaction in ('satisfied', 'basic', 'unsatisfied')),
  resolved       boolean,
  notes          text check (length(notes) <= 1000),
  outside_hours  boolean not null default false,
  answers        jsonb not null default '{}',
  check ((outcome = 'reached') = (satisfaction is not null)),
  check (outcome = 'reached' or resolved is null)
);
create index callbacks_ticket on callbacks (ticket_id, id);
create index callbacks_county on callbacks (county_id, called_at desc);

create function callbacks_keep() returns trigger language plpgsql as $$
begin
  raise exception 'callbacks are never changed or deleted';
end $$;
create trigger callbacks_keep before update or delete on callbacks
  for each row execute function callbacks_keep();

-- 闭环: a callback that found the caller unsatisfied or the problem unresolved opens a task for
-- the responsible department (null: the hotline office itself). Done by the department's account
-- or by the hotline office on its behalf; then a second callback is due.
create table followups (
  id             integer generated always as identity primary key,
  county_id      integer not null references counties(id),
  ticket_id      integer not null references tickets(id),
  callback_id    bigint not null unique references callbacks(id),
  department_id  integer references departments(id),
  due_at         timestamptz not null,
  status         text not null default 'open' check (status in ('open', 'done')),
  notes          text check (length(notes) <= 1000),
  created_at     timestamptz not null default now(),
  done_at        timestamptz,
  done_by        integer references users(id),
  done_notes     text check (length(done_notes) <= 1000),
  check ((status = 'done') = (done_at is not null))
);
create index followups_ticket on followups (ticket_id);
create index followups_department on followups (county_id, department_id, status, due_at);
