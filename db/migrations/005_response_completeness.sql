-- Complete or partial: a response is partial when it leaves out a question its version requires.
-- The resident page stores complete submissions only; imported paper questionnaires may be
-- partial. Decided when the response is stored (the version never changes), so it is a column.
alter table responses add column complete boolean not null default true;

-- Listing newest first within a county.
create index responses_county_finished on responses (county_id, finished_at desc, id desc);

-- An uploaded answers file waits here while the office maps its columns; the import itself is
-- recorded in response_imports and the file's rows are deleted once imported.
create table response_uploads (
  id          integer generated always as identity primary key,
  county_id   integer not null references counties(id),
  campaign_id integer not null references campaigns(id),
  user_id     integer not null references users(id),
  filename    text not null,
  sha256      text not null,
  headers     jsonb not null,
  rows        jsonb not null,
  created_at  timestamptz not null default now()
);
create index response_uploads_user on response_uploads (user_id, created_at);
