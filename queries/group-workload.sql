-- name: group-workload
-- description: Unresolved tickets now (latest state; any status but Resolved or Closed, custom statuses included) per agent group (by name where the groups dimension is synced, else the id as text), busiest first: Open, Pending, custom statuses, how many have no agent, how many are Urgent, and the oldest creation time. Spam and deleted tickets are left out (tickets_latest). Reads every partition (the latest state needs every event).
SELECT
  group_id,
  group_name,
  count_if(status = 2) AS open_tickets,
  count_if(status = 3) AS pending_tickets,
  count_if(status NOT IN (2, 3)) AS custom_status_tickets,
  count(*) AS total_tickets,
  count_if(responder_id IS NULL) AS unassigned_tickets,
  count_if(priority = 4) AS urgent_tickets,
  min(created_at) AS oldest_created_at
FROM tickets_latest
WHERE status NOT IN (4, 5)
  AND coalesce(spam, false) = false
GROUP BY group_id, group_name
ORDER BY total_tickets DESC, group_id NULLS LAST
