-- name: backlog
-- description: The backlog: tickets whose latest status is Open or Pending, whatever their creation date, by priority and group, with the oldest creation time. Spam tickets are left out. Reads every partition.
SELECT
  priority_name,
  group_id,
  count_if(status = 2) AS open_tickets,
  count_if(status = 3) AS pending_tickets,
  count(*) AS total_tickets,
  min(created_at) AS oldest_created_at
FROM tickets_latest
WHERE status IN (2, 3)
  AND coalesce(spam, false) = false
GROUP BY priority, priority_name, group_id
ORDER BY priority DESC NULLS LAST, group_id NULLS LAST
