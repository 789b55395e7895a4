-- name: agent-workload
-- description: Unresolved tickets (latest status not Resolved or Closed: Open, Pending and custom statuses) per responder, busiest first, with the agent's name from the synced agents (else the id); the row without a responder_id is the unassigned backlog. Spam and deleted tickets are left out. Reads every partition.
SELECT
  responder_id,
  agent_name,
  count_if(status = 2) AS open_tickets,
  count_if(status = 3) AS pending_tickets,
  count_if(status NOT IN (2, 3)) AS custom_status_tickets,
  count(*) AS total_tickets,
  count_if(priority = 4) AS urgent_tickets,
  min(created_at) AS oldest_created_at
FROM tickets_latest
WHERE status NOT IN (4, 5)
GROUP BY responder_id, agent_name
ORDER BY total_tickets DESC, responder_id NULLS LAST
