-- Pruning login_failures (app/models/users.server.ts) deletes by age: an index on created_at.
create index login_failures_created on login_failures (created_at);

-- Who opened or started a resident link on a Beijing day (app/models/link-counters.server.ts), so
-- that a link's opens and starts count a device once per day, and requests without a device cookie
-- at most LINK_ADDRESS_CEILING times per address: one client reloading or scripting a link cannot
-- inflate its counters, while fifty phones behind one community centre's Wi-Fi all count. Kept
-- here, not in memory, so that every app instance counts against the same rows. `visitor` is
-- 'd:<device id>' or 'a:<address>'; `hits` how many requests it made that day. Rows of days before
-- yesterday are deleted by the counter flush.
create table link_visitors (
  county_id integer not null references counties(id),
  link_id integer not null references campaign_links(id) on delete cascade,
  event   text not null check (event in ('opens', 'starts')),
  day     date not null,
  visitor text not null,
  hits    integer not null,
  primary key (link_id, event, day, visitor)
);
create index link_visitors_day on link_visitors (day);
