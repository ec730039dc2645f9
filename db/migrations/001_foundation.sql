-- Foundation: tenants (counties), the place register, grids, accounts, sessions, audit log.
-- Every row that belongs to a county carries county_id (the tenant key), so the tables can later
-- be distributed by it.

create table counties (
  id          integer generated always as identity primary key,
  code        text not null unique check (code ~ '^[a-z0-9-]{2,32}$'),
  name        text not null,
  created_at  timestamptz not null default now()
);

-- One table for every level of the register: county → street → community → compound →
-- building → stairwell. `path` holds the ids from the county root down to the row itself, so
-- "inside the subtree of X" is `path @> array[X]` (GIN-indexed) for every level alike.
create table places (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  parent_id   integer references places(id),
  level       text not null check (level in ('county','street','community','compound','building','stairwell')),
  name        text not null check (length(name) between 1 and 100),
  path        integer[] not null default '{}',
  sort_order  integer not null default 0,
  created_at  timestamptz not null default now(),
  check ((level = 'county') = (parent_id is null))
);
create unique index places_natural_key on places (county_id, coalesce(parent_id, 0), name);
create index places_parent on places (parent_id);
create index places_path on places using gin (path);
create index places_county_level on places (county_id, level);

-- The identity value is assigned before BEFORE triggers run, so the path can end in the row's own id.
create function places_set_path() returns trigger language plpgsql as $$
begin
  if new.parent_id is null then
    new.path := array[new.id];
  else
    select p.path || new.id into strict new.path from places p where p.id = new.parent_id;
  end if;
  return new;
end $$;
create trigger places_set_path before insert on places for each row execute function places_set_path();

-- 户: a household (room). `place_id` is its stairwell, or its building when the building has no
-- stairwells; `path` is that place's path, copied for cheap subtree filters.
create table households (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  place_id    integer not null references places(id),
  building_id integer not null references places(id),
  room        text not null check (length(room) between 1 and 100),
  vacant      boolean not null default false,
  path        integer[] not null default '{}',
  created_at  timestamptz not null default now(),
  unique (place_id, room)
);
create index households_path on households using gin (path);
create index households_building on households (building_id);
create index households_county on households (county_id);

create function households_set_path() returns trigger language plpgsql as $$
begin
  select p.path into strict new.path from places p where p.id = new.place_id;
  return new;
end $$;
create trigger households_set_path before insert on households for each row execute function households_set_path();

-- 网格: a set of buildings with a leader and a responsible unit.
create table grids (
  id               integer generated always as identity primary key,
  county_id        integer not null references counties(id),
  community_id     integer not null references places(id),
  name             text not null check (length(name) between 1 and 100),
  leader_name      text,
  leader_phone     text,
  responsible_unit text,
  created_at       timestamptz not null default now(),
  unique (county_id, name)
);

create table grid_buildings (
  county_id   integer not null references counties(id),
  grid_id     integer not null references grids(id),
  building_id integer not null references places(id) unique,
  primary key (grid_id, building_id)
);

create table users (
  id             integer generated always as identity primary key,
  county_id      integer not null references counties(id),
  username       text not null check (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
  phone          text check (phone ~ '^1[3-9][0-9]{9}$'),
  display_name   text not null check (length(display_name) between 1 and 50),
  role           text not null check (role in ('admin','street_staff','community_staff','grid_leader','volunteer','hotline_agent','viewer')),
  scope_place_id integer not null references places(id),
  scope_grid_id  integer references grids(id),
  password_hash  text not null,
  disabled       boolean not null default false,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
create unique index users_username on users (lower(username));
create unique index users_phone on users (phone) where phone is not null;

-- Server-side sessions: the cookie carries a random token, the table keeps only its SHA-256,
-- so a leaked table cannot be replayed and any session can be revoked.
create table sessions (
  id           integer generated always as identity primary key,
  token_hash   text not null unique,
  user_id      integer not null references users(id),
  county_id    integer not null references counties(id),
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null,
  revoked_at   timestamptz,
  ip           text,
  user_agent   text
);
create index sessions_user on sessions (user_id);

create table audit_log (
  id         bigint generated always as identity primary key,
  county_id  integer references counties(id),
  user_id    integer references users(id),
  action     text not null,
  target     text,
  details    jsonb not null default '{}',
  ip         text,
  created_at timestamptz not null default now()
);
create index audit_log_county_time on audit_log (county_id, created_at desc);

-- Failed sign-ins, for rate limiting by account name and by address.
create table login_failures (
  id         bigint generated always as identity primary key,
  identifier text not null,
  ip         text,
  created_at timestamptz not null default now()
);
create index login_failures_identifier on login_failures (identifier, created_at);
create index login_failures_ip on login_failures (ip, created_at);

-- A register import waits here between preview and confirmation.
create table register_imports (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  user_id     integer not null references users(id),
  filename    text not null,
  sha256      text not null,
  rows        jsonb not null,
  summary     jsonb not null,
  status      text not null default 'preview' check (status in ('preview','applied','cancelled')),
  created_at  timestamptz not null default now(),
  applied_at  timestamptz
);
