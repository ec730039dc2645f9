-- Door-to-door teams and spot checks (抽查补漏).
--
-- Teams: a leader and members inside a round; a building, stairwell or grid may be assigned to a
-- team instead of one volunteer, and then every member (the leader too) sees and logs it.
-- Assignments keep their history as before (a reassignment withdraws the old row).
--
-- Spot checks: a seeded sample of households logged "reached" in an area, drawn with its
-- parameters and seed kept, given to a checker who records on the phone whether the visit is
-- confirmed. Results are rows of their own, never changed nor deleted; a household's check
-- outcome is its latest result.

create table visit_teams (
  id         integer generated always as identity primary key,
  county_id  integer not null references counties(id),
  round_id   integer not null references visit_rounds(id),
  name       text not null check (length(name) between 1 and 100),
  leader_id  integer not null references users(id),
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  unique (round_id, name)
);

create table visit_team_members (
  team_id   integer not null references visit_teams(id),
  county_id integer not null references counties(id),
  user_id   integer not null references users(id),
  primary key (team_id, user_id)
);
create index visit_team_members_user on visit_team_members (user_id);

alter table visit_assignments alter column volunteer_id drop not null;
alter table visit_assignments add column team_id integer references visit_teams(id);
alter table visit_assignments add constraint visit_assignments_one_assignee check ((volunteer_id is null) <> (team_id is null));
create index visit_assignments_team on visit_assignments (round_id, team_id) where withdrawn_at is null;

create table spot_checks (
  id           integer generated always as identity primary key,
  county_id    integer not null references counties(id),
  round_id     integer not null references visit_rounds(id),
  -- The area drawn from: a community, compound or building, or a grid.
  place_id     integer references places(id),
  grid_id      integer references grids(id),
  size_kind    text not null check (size_kind in ('share', 'number')),
  -- A share in percent (1–100) or a number of households.
  size_value   integer not null check (size_value >= 1),
  seed         integer not null check (seed between 1 and 999999999),
  checker_id   integer not null references users(id),
  -- Households logged reached in the area when the sample was drawn, and how many of them were
  -- left out because the checker had logged them.
  frame_size   integer not null,
  excluded_own integer not null,
  created_by   integer references users(id),
  created_at   timestamptz not null default now(),
  check ((place_id is null) <> (grid_id is null)),
  check (size_kind <> 'share' or size_value <= 100)
);
create index spot_checks_round on spot_checks (round_id);
create index spot_checks_checker on spot_checks (checker_id);

-- The drawn households, each with the visit log being checked (the one that made it reached).
create table spot_check_households (
  spot_check_id integer not null references spot_checks(id),
  county_id     integer not null references counties(id),
  household_id  integer not null references households(id),
  visit_log_id  bigint not null references visit_logs(id),
  volunteer_id  integer not null references users(id),
  draw_order    integer not null,
  primary key (spot_check_id, household_id)
);

create table spot_check_results (
  id            bigint generated always as identity primary key,
  county_id     integer not null references counties(id),
  spot_check_id integer not null references spot_checks(id),
  household_id  integer not null,
  checker_id    integer not null references users(id),
  result        text not null check (result in ('confirmed', 'notConfirmed', 'couldNotCheck')),
  at            timestamptz not null,
  note          text check (length(note) <= 500),
  client_key    text not null check (length(client_key) between 8 and 100),
  received_at   timestamptz not null default now(),
  unique (spot_check_id, client_key),
  foreign key (spot_check_id, household_id) references spot_check_households (spot_check_id, household_id)
);
create index spot_check_results_check on spot_check_results (spot_check_id, household_id);

create function spot_check_results_keep() returns trigger language plpgsql as $$
begin
  raise exception 'spot check results are kept as they were sent';
end $$;
create trigger spot_check_results_keep before update or delete on spot_check_results for each row execute function spot_check_results_keep();
