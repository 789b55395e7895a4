-- name: refund-tickets-today
-- description: Tickets of a type (default Refund) created on a UTC day (default today), in their latest state, with status, group and agent names (synced names, else codes and ids). Spam and deleted tickets are left out. Reads only the partitions from that day on.
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
  l.ticket_id,
  l.subject,
  l.ticket_type,
  coalesce(st.status_name, l.status_name) AS status_name,
  l.priority_name,
  l.channel_name,
  l.group_id,
  coalesce(g.group_name, CAST(l.group_id AS varchar)) AS group_name,
  l.responder_id,
  coalesce(a.agent_name, CAST(l.responder_id AS varchar)) AS agent_name,
  l.created_at,
  l.updated_at
FROM latest_since_day l
LEFT JOIN ticket_statuses st ON st.status = l.status
LEFT JOIN groups g ON g.group_id = l.group_id
LEFT JOIN agents a ON a.agent_id = l.responder_id
WHERE l.recency = 1
  AND CAST(l.created_at AS date) = CAST(:day AS date)
  AND l.ticket_type = :type
  AND coalesce(l.spam, false) = false
  AND coalesce(l.deleted, false) = false
ORDER BY l.created_at, l.ticket_id
