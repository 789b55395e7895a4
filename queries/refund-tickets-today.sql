-- name: refund-tickets-today
-- description: Tickets of a type (default Refund) created on a UTC day (default today), in their latest state. Spam tickets are left out. Reads only the partitions from that day on.
-- param: day date = today | UTC day the tickets were created
-- param: type string = Refund | Ticket type, e.g. Refund, Question, Incident, Problem, Feature Request
WITH latest_since_day AS (
  -- Every event of a ticket created on the day is dated that day or later, so the latest state
  -- taken from those partitions is the ticket's latest state (same order as tickets_latest).
  SELECT
    h.*,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM ticket_history h
  WHERE dt >= :day
)
SELECT
  ticket_id,
  subject,
  ticket_type,
  status_name,
  priority_name,
  channel_name,
  group_id,
  responder_id,
  created_at,
  updated_at
FROM latest_since_day
WHERE recency = 1
  AND CAST(created_at AS date) = CAST(:day AS date)
  AND ticket_type = :type
  AND coalesce(spam, false) = false
ORDER BY created_at, ticket_id
