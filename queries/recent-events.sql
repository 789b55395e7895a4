-- name: recent-events
-- description: The latest N ticket events (each event id once; API snapshots of a sync are events of type freshlake.ticketSnapshot), newest first, with status, priority and channel names and the responder's name (synced names, else codes and ids). Looks back from a day (default a week ago) so older partitions are not read.
-- param: n integer(1..10000) = 10 | How many events to show
-- param: since date = today-7 | Earliest UTC day to read; set it earlier to look further back
SELECT
  h.event_time,
  h.detail_type,
  h.ticket_id,
  h.subject,
  coalesce(st.status_name, h.status_name) AS status_name,
  h.priority_name,
  h.channel_name,
  h.responder_id,
  coalesce(a.agent_name, CAST(h.responder_id AS varchar)) AS agent_name,
  h.event_id
FROM (
  SELECT
    e.*,
    row_number() OVER (ORDER BY event_time DESC NULLS LAST, event_id DESC) AS recency
  FROM ticket_history e
  WHERE dt >= :since
) h
LEFT JOIN ticket_statuses st ON st.status = h.status
LEFT JOIN agents a ON a.agent_id = h.responder_id
WHERE h.recency <= :n
ORDER BY h.recency
