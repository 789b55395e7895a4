-- name: urgent-unassigned
-- description: Tickets that are, in their latest state, Urgent, without a responder and not Resolved or Closed, oldest first. A ticket assigned later does not show. Spam tickets are left out. Reads every partition (the latest state needs every event).
SELECT
  ticket_id,
  subject,
  status_name,
  channel_name,
  group_id,
  requester_id,
  created_at,
  updated_at,
  due_by
FROM tickets_latest
WHERE priority = 4
  AND responder_id IS NULL
  AND status NOT IN (4, 5)
  AND coalesce(spam, false) = false
ORDER BY created_at NULLS LAST, ticket_id
