-- name: agent-workload
-- description: Open and Pending tickets (latest state) per responder, busiest first; the row without a responder_id is the unassigned backlog. Spam tickets are left out. Reads every partition.
SELECT
  responder_id,
  count_if(status = 2) AS open_tickets,
  count_if(status = 3) AS pending_tickets,
  count(*) AS total_tickets,
  count_if(priority = 4) AS urgent_tickets,
  min(created_at) AS oldest_created_at
FROM tickets_latest
WHERE status IN (2, 3)
  AND coalesce(spam, false) = false
GROUP BY responder_id
ORDER BY total_tickets DESC, responder_id NULLS LAST
