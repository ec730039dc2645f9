-- Questionnaires: editable surveys, immutable published versions, campaigns (waves) with
-- target areas, resident links per building/compound, one-time household codes, responses.

create table surveys (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  title       text not null check (length(title) between 1 and 200),
  kind        text not null check (kind in ('household','quiz','callback','visit','other')),
  draft       jsonb not null,
  created_by  integer references users(id),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index surveys_county on surveys (county_id);

-- A published version is never changed: every response points at the exact text it answered.
create table survey_versions (
  id           integer generated always as identity primary key,
  county_id    integer not null references counties(id),
  survey_id    integer not null references surveys(id),
  version      integer not null,
  title        text not null,
  definition   jsonb not null,
  published_by integer references users(id),
  published_at timestamptz not null default now(),
  unique (survey_id, version)
);

create function survey_versions_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'survey_versions are immutable (version %)', old.id;
end $$;
create trigger survey_versions_immutable before update or delete on survey_versions
  for each row execute function survey_versions_immutable();

-- 调查批次: a version, target areas, a time window and a duplicate policy.
create table campaigns (
  id                integer generated always as identity primary key,
  county_id         integer not null references counties(id),
  code              text not null unique check (code ~ '^[a-z0-9-]{2,40}$'),
  name              text not null check (length(name) between 1 and 200),
  survey_version_id integer not null references survey_versions(id),
  opens_at          timestamptz not null,
  closes_at         timestamptz not null,
  state             text not null default 'draft' check (state in ('draft','open','paused','closed')),
  duplicate_policy  text not null check (duplicate_policy in ('household','device','unlimited')),
  created_by        integer references users(id),
  created_at        timestamptz not null default now(),
  check (closes_at > opens_at)
);
create index campaigns_county on campaigns (county_id);

create table campaign_targets (
  campaign_id integer not null references campaigns(id),
  county_id   integer not null references counties(id),
  place_id    integer not null references places(id),
  primary key (campaign_id, place_id)
);

-- A resident link (short code, QR) for one building or compound of a campaign, with its counts.
create table campaign_links (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  campaign_id integer not null references campaigns(id),
  place_id    integer not null references places(id),
  code        text not null unique check (code ~ '^[A-Za-z0-9]{6,16}$'),
  opens       integer not null default 0,
  starts      integer not null default 0,
  completions integer not null default 0,
  created_at  timestamptz not null default now(),
  unique (campaign_id, place_id)
);

-- One-time household codes (printed slips) for the one-response-per-household policy.
create table household_codes (
  id           integer generated always as identity primary key,
  county_id    integer not null references counties(id),
  campaign_id  integer not null references campaigns(id),
  place_id     integer not null references places(id),
  household_id integer references households(id),
  code         text not null unique check (code ~ '^[A-Z0-9]{6,12}$'),
  used_at      timestamptz,
  created_at   timestamptz not null default now()
);
create index household_codes_campaign on household_codes (campaign_id, place_id);

create table response_imports (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  campaign_id integer not null references campaigns(id),
  user_id     integer not null references users(id),
  filename    text not null,
  sha256      text not null,
  mapping     jsonb not null,
  rows        integer not null,
  created_at  timestamptz not null default now()
);

-- Answers are stored as given (jsonb keyed by question name) and never edited; voiding keeps
-- the row and the reason, and the response stops counting.
create table responses (
  id                bigint generated always as identity primary key,
  county_id         integer not null references counties(id),
  campaign_id       integer not null references campaigns(id),
  survey_version_id integer not null references survey_versions(id),
  place_id          integer not null references places(id),
  path              integer[] not null default '{}',
  link_id           integer references campaign_links(id),
  household_code_id integer references household_codes(id) unique,
  household_id      integer references households(id),
  channel           text not null check (channel in ('qr','link','volunteer','import')),
  answers           jsonb not null,
  client_key        text not null check (length(client_key) between 8 and 64),
  device_id         text,
  started_at        timestamptz,
  finished_at       timestamptz not null default now(),
  duration_seconds  integer,
  user_agent        text,
  collected_by      integer references users(id),
  import_id         integer references response_imports(id),
  voided_at         timestamptz,
  voided_by         integer references users(id),
  void_reason       text,
  created_at        timestamptz not null default now(),
  unique (campaign_id, client_key),
  check ((voided_at is null) = (void_reason is null))
);
create index responses_campaign_place on responses (campaign_id, place_id);
create index responses_path on responses using gin (path);
create index responses_finished on responses (campaign_id, finished_at);

create function responses_set_path() returns trigger language plpgsql as $$
begin
  select p.path into strict new.path from places p where p.id = new.place_id;
  return new;
end $$;
create trigger responses_set_path before insert on responses for each row execute function responses_set_path();

-- Only voiding may change a response.
create function responses_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'responses are never deleted (response %)', old.id;
  end if;
  if (new.answers, new.campaign_id, new.survey_version_id, new.place_id, new.finished_at, new.client_key)
     is distinct from (old.answers, old.campaign_id, old.survey_version_id, old.place_id, old.finished_at, old.client_key)
     or old.voided_at is not null then
    raise exception 'responses are never edited (response %)', old.id;
  end if;
  return new;
end $$;
create trigger responses_append_only before update or delete on responses
  for each row execute function responses_append_only();

-- The one-per-device policy: a device (anonymous cookie) answers a campaign once.
create table campaign_devices (
  campaign_id integer not null references campaigns(id),
  device_id   text not null,
  response_id bigint not null references responses(id),
  primary key (campaign_id, device_id)
);
