-- name: reopened-tickets
-- description: Reopens between two UTC days: a status change from Resolved or Closed back to Open or Pending, read from the update's changes.status, or, when the update carries none, from the ticket's previous event in the range. One row per reopen, oldest first. Spam tickets are left out. Reads only the partitions in the range.
-- param: from date = today-30 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH events_in_range AS (
  SELECT
    h.*,
    -- Consecutive events in the order of the ticket's own update time (updates arrive out of order).
    lag(status) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS status_of_previous_event
  FROM ticket_history h
  WHERE dt BETWEEN :from AND :to
),
reopens AS (
  SELECT
    e.*,
    coalesce(previous_status, status_of_previous_event) AS status_before
  FROM events_in_range e
)
SELECT
  coalesce(updated_at, event_time) AS reopened_at,
  ticket_id,
  CASE status_before WHEN 4 THEN 'Resolved' WHEN 5 THEN 'Closed' END AS reopened_from,
  status_name AS reopened_as,
  priority_name,
  group_id,
  responder_id,
  subject,
  event_id
FROM reopens
WHERE status IN (2, 3)
  AND status_before IN (4, 5)
  AND coalesce(spam, false) = false
ORDER BY reopened_at, ticket_id, event_id
