-- name: recent-events
-- description: The latest N ticket events (each event id once), newest first, with status, priority and channel names. Looks back from a day (default a week ago) so older partitions are not read.
-- param: n integer = 10 | How many events to show
-- param: since date = today-7 | Earliest UTC day to read; set it earlier to look further back
SELECT
  event_time,
  detail_type,
  ticket_id,
  subject,
  status_name,
  priority_name,
  channel_name,
  responder_id,
  event_id
FROM (
  SELECT
    h.*,
    row_number() OVER (ORDER BY event_time DESC NULLS LAST, event_id DESC) AS recency
  FROM ticket_history h
  WHERE dt >= :since
)
WHERE recency <= :n
ORDER BY recency
