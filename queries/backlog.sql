-- name: backlog
-- description: The backlog: tickets whose latest status is not Resolved or Closed (Freshdesk's "unresolved": Open, Pending and every custom status), whatever their creation date, by priority and group, with the oldest creation time. Group names come from the synced groups (else the group id). Spam and deleted tickets are left out. Reads every partition.
SELECT
  priority_name,
  group_id,
  group_name,
  count_if(status = 2) AS open_tickets,
  count_if(status = 3) AS pending_tickets,
  -- Custom statuses (e.g. Waiting on Customer) are unresolved too.
  count_if(status NOT IN (2, 3)) AS custom_status_tickets,
  count(*) AS total_tickets,
  min(created_at) AS oldest_created_at
FROM tickets_latest
WHERE status NOT IN (4, 5)
GROUP BY priority, priority_name, group_id, group_name
ORDER BY priority DESC NULLS LAST, group_id NULLS LAST
