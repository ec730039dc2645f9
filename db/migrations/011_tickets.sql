-- 12345 hotline tickets (issue 11): responsible departments, the tickets themselves (a caller's
-- number only encrypted, with a keyed hash for matching and a masked form for display), every
-- change a re-import made, the imports with their counts and row errors, saved column mappings,
-- and the API tokens the hotline platform pushes tickets with. The callbacks, follow-ups and the
-- evaluation's sample build on these tables (their own migration).

-- 承办单位: the department responsible for a ticket, named as the platform names it.
create table departments (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now(),
  unique (county_id, name)
);

-- Tokens of machine clients (the hotline platform's push). Only the SHA-256 of a token is kept;
-- the token itself is shown once, when it is created. `prefix` lets the admin tell tokens apart.
create table api_tokens (
  id            integer generated always as identity primary key,
  county_id     integer not null references counties(id),
  name          text not null check (length(name) between 1 and 100),
  token_hash    text not null unique,
  prefix        text not null,
  created_by    integer not null references users(id),
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  revoked_by    integer references users(id)
);
create index api_tokens_county on api_tokens (county_id, created_at desc);

-- Named column mappings (which header feeds which ticket field), saved by the office. The shipped
-- `nyc311` mapping lives in code (app/domain/tickets.ts) and cannot be shadowed here.
create table ticket_mappings (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  name        text not null check (length(name) between 1 and 60),
  columns     jsonb not null,
  created_by  integer references users(id),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (county_id, name)
);

-- One import: an uploaded file (checked, then confirmed or cancelled), a CLI run or one API push.
-- The counts are what the page's progress and summary show; `errors` holds the first row errors
-- (line, field, i18n key, params), `rows_rejected` counts them all; `failure` is a whole-file error.
create table ticket_imports (
  id             integer generated always as identity primary key,
  county_id      integer not null references counties(id),
  user_id        integer references users(id),
  token_id       integer references api_tokens(id),
  source         text not null check (source in ('upload', 'cli', 'api')),
  filename       text not null check (length(filename) between 1 and 300),
  file_size      bigint,
  sheet          text,
  mapping        jsonb not null default '{}',
  state          text not null default 'uploaded'
                 check (state in ('uploaded', 'checking', 'checked', 'storing', 'done', 'failed', 'cancelled')),
  rows_read      integer not null default 0,
  rows_rejected  integer not null default 0,
  rows_stored    integer not null default 0,
  inserted       integer not null default 0,
  updated        integer not null default 0,
  unchanged      integer not null default 0,
  errors         jsonb not null default '[]',
  failure        jsonb,
  created_at     timestamptz not null default now(),
  checked_at     timestamptz,
  finished_at    timestamptz
);
create index ticket_imports_county on ticket_imports (county_id, created_at desc);

-- The checked rows of an import between the check and the confirmation (unlogged: derived from
-- the file, which is kept until the import ends; emptied when it ends). `problems` is null for a
-- good row.
create unlogged table ticket_import_rows (
  import_id             integer not null,
  line                  integer not null,
  ticket_no             text,
  received_at           timestamptz,
  completed_at          timestamptz,
  due_at                timestamptz,
  department            text,
  category              text,
  content               text,
  caller_name           text,
  phone_enc             bytea,
  phone_hash            text,
  phone_masked          text,
  street                text,
  community             text,
  area                  text,
  result                text,
  satisfaction          text,
  satisfaction_raw      text,
  problems              jsonb
);
create index ticket_import_rows_import on ticket_import_rows (import_id, ticket_no);

-- 工单: one per ticket number per county. `completed_at` null = not completed (never sampled).
-- The caller's number: `phone_enc` AES-256-GCM (app/utils/phone-crypto.server.ts, the only reader),
-- `phone_hash` a keyed HMAC of the normalised number (matching without decrypting), `phone_masked`
-- what every page shows. street/community/area as the file gives them; `place_id` the register's
-- community (or street) they name, when it knows it.
create table tickets (
  id                         integer generated always as identity primary key,
  county_id                  integer not null references counties(id),
  ticket_no                  text not null check (length(ticket_no) between 1 and 100),
  received_at                timestamptz not null,
  completed_at               timestamptz,
  due_at                     timestamptz,
  department_id              integer references departments(id),
  category                   text,
  content                    text,
  caller_name                text,
  phone_enc                  bytea,
  phone_hash                 text,
  phone_masked               text,
  street                     text,
  community                  text,
  area                       text,
  place_id                   integer references places(id),
  result                     text,
  -- 满意度 as the platform recorded it before any callback: normalised, and the text as given.
  original_satisfaction      text check (original_satisfaction in ('satisfied', 'basic', 'unsatisfied')),
  original_satisfaction_raw  text,
  import_id                  integer references ticket_imports(id),
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now(),
  unique (county_id, ticket_no),
  check ((phone_enc is null) = (phone_hash is null))
);
create index tickets_completed on tickets (county_id, completed_at) where completed_at is not null;
create index tickets_received on tickets (county_id, received_at desc, id desc);
create index tickets_department on tickets (department_id, received_at desc);
create index tickets_category on tickets (county_id, category);
create index tickets_place on tickets (place_id) where place_id is not null;
create index tickets_phone_hash on tickets (county_id, phone_hash) where phone_hash is not null;

-- Every change a re-import (or a push) made to a ticket: the values before it (the changed fields
-- only; a number as its masked form and hash, never in clear), by which import, when.
create table ticket_versions (
  id          bigint generated always as identity primary key,
  county_id   integer not null references counties(id),
  ticket_id   integer not null references tickets(id),
  import_id   integer references ticket_imports(id),
  old_values  jsonb not null,
  changed_at  timestamptz not null default now()
);
create index ticket_versions_ticket on ticket_versions (ticket_id, id);

create function ticket_versions_keep() returns trigger language plpgsql as $$
begin
  raise exception 'ticket versions are never changed or deleted';
end $$;
create trigger ticket_versions_keep before update or delete on ticket_versions
  for each row execute function ticket_versions_keep();
