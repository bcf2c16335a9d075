-- Lectern writes its own record into each organization's LRS from the
-- event log (xapi.Recorder): xapi_at marks the events it has taken.
-- Events logged before the LRS existed are taken too (a backfill).
alter table events add column xapi_at timestamptz;
create index events_xapi_pending on events (id) where xapi_at is null;
