-- Door-to-door publicity (入户宣传走访): rounds, their target areas, assignments to volunteers
-- (history kept: a reassignment withdraws the old row), and the visit logs volunteers send from
-- their phones. Logs are never updated (only their review) nor deleted; a household's status is
-- derived from its logs by app/domain/visits.ts.

create table visit_rounds (
  id                 integer generated always as identity primary key,
  county_id          integer not null references counties(id),
  code               text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
  name               text not null check (length(name) between 1 and 200),
  starts_at          timestamptz not null,
  first_deadline     timestamptz not null,
  final_deadline     timestamptz not null,
  -- The questionnaire volunteers may fill with a resident (channel "volunteer"), if any.
  campaign_id        integer references campaigns(id),
  message            text check (length(message) <= 2000),
  unreachable_after  integer not null default 3 check (unreachable_after between 1 and 10),
  state              text not null default 'open' check (state in ('open', 'closed')),
  created_by         integer references users(id),
  created_at         timestamptz not null default now(),
  check (first_deadline > starts_at and final_deadline >= first_deadline)
);
create index visit_rounds_county on visit_rounds (county_id);

create table visit_round_targets (
  round_id  integer not null references visit_rounds(id),
  county_id integer not null references counties(id),
  place_id  integer not null references places(id),
  primary key (round_id, place_id)
);

-- A building, a stairwell or a whole grid given to a volunteer in a round.
create table visit_assignments (
  id           integer generated always as identity primary key,
  county_id    integer not null references counties(id),
  round_id     integer not null references visit_rounds(id),
  volunteer_id integer not null references users(id),
  place_id     integer references places(id),
  grid_id      integer references grids(id),
  assigned_by  integer references users(id),
  assigned_at  timestamptz not null default now(),
  withdrawn_at timestamptz,
  withdrawn_by integer references users(id),
  check ((place_id is null) <> (grid_id is null))
);
create index visit_assignments_round on visit_assignments (round_id, volunteer_id) where withdrawn_at is null;

create table visit_logs (
  id            bigint generated always as identity primary key,
  county_id     integer not null references counties(id),
  round_id      integer not null references visit_rounds(id),
  household_id  integer not null references households(id),
  volunteer_id  integer not null references users(id),
  outcome       text not null check (outcome in ('reached', 'notHome', 'refused', 'vacant', 'other')),
  at            timestamptz not null,
  note          text check (length(note) <= 500),
  -- Made on the phone for each tap: a resend of the same log stores nothing new.
  client_key    text not null check (length(client_key) between 8 and 100),
  device_id     text,
  -- A correcting log ("undo the last tap") names the log it takes back.
  undoes        bigint references visit_logs(id),
  received_at   timestamptz not null default now(),
  review_state  text not null default 'unreviewed' check (review_state in ('unreviewed', 'accepted', 'rejected')),
  review_reason text check (length(review_reason) <= 500),
  reviewed_by   integer references users(id),
  reviewed_at   timestamptz,
  unique (round_id, client_key),
  check (review_state <> 'rejected' or review_reason is not null)
);
create index visit_logs_household on visit_logs (round_id, household_id);
create index visit_logs_volunteer on visit_logs (round_id, volunteer_id, at);

-- Who, when and what of a log stay as sent: only its review may change, and nothing is deleted.
create function visit_logs_keep() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'visit logs are never deleted';
  end if;
  if (new.county_id, new.round_id, new.household_id, new.volunteer_id, new.outcome, new.at, new.note, new.client_key, new.device_id, new.undoes, new.received_at)
     is distinct from
     (old.county_id, old.round_id, old.household_id, old.volunteer_id, old.outcome, old.at, old.note, old.client_key, old.device_id, old.undoes, old.received_at) then
    raise exception 'a visit log is kept as it was sent; only its review changes';
  end if;
  return new;
end $$;
create trigger visit_logs_keep before update or delete on visit_logs for each row execute function visit_logs_keep();
