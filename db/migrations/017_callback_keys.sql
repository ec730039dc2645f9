-- A callback is recorded from the agent's form; a form posted twice (a retry after the answer was
-- lost, a double click, a proxy that resent it) must not add a second call attempt, which would
-- count towards "3 failed attempts → unreachable" and the callback rate. The form carries a key
-- made when the page was rendered; app/models/callbacks.server.ts records one row per key and
-- answers a repeat with the row already stored. Rows recorded before this migration have none.
alter table callbacks add column client_key uuid;
create unique index callbacks_client_key on callbacks (county_id, client_key);
