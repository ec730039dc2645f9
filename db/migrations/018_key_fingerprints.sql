-- Fingerprints of the installation's secrets (an HMAC of a constant, never the secret): an
-- instance started with another PHONE_KEY than the one the stored numbers were encrypted with
-- refuses to start, and one with another SESSION_SECRET says that it signs everyone else out
-- (db/boot.ts, checkKeys). Installation-wide, like counties: a reference table (decision 011).
create table key_fingerprints (
  name        text primary key check (name in ('phone_key', 'session_secret')),
  fingerprint text not null,
  recorded_at timestamptz not null default now()
);
