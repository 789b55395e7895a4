-- name: sla-due-soon
-- description: Tickets not Resolved or Closed (latest state) whose resolution due time (due_by) falls in the next N hours after a moment (default now, UTC), soonest first; tickets already overdue are not listed. Spam tickets are left out. Reads every partition.
-- param: hours integer = 4 | Look-ahead window in hours
-- param: as_of timestamp = now | UTC moment the window starts, YYYY-MM-DD HH:MM
SELECT
  ticket_id,
  subject,
  priority_name,
  status_name,
  group_id,
  responder_id,
  due_by,
  -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
  round(CAST(date_diff('second', CAST(:as_of AS timestamp), due_by) AS double) / 3600, 2) AS hours_left
FROM tickets_latest
WHERE status NOT IN (4, 5)
  AND coalesce(spam, false) = false
  AND due_by >= CAST(:as_of AS timestamp)
  AND due_by < date_add('hour', :hours, CAST(:as_of AS timestamp))
ORDER BY due_by, ticket_id
