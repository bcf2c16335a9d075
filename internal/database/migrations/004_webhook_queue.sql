-- The webhook dispatcher marks the deliveries it has put into asynq, so a
-- poll selects only those it has not (and, after an hour, those whose task
-- Redis may have lost) instead of every pending one.
alter table webhook_deliveries add column enqueued_at timestamptz;
create index webhook_deliveries_unqueued on webhook_deliveries (created_at)
    where status = 'pending' and enqueued_at is null;
create index webhook_deliveries_enqueued on webhook_deliveries (enqueued_at)
    where status = 'pending' and enqueued_at is not null;
