-- name: urgent-unassigned
-- description: Tickets that are, in their latest state, Urgent, without a responder and not Resolved or Closed (custom statuses count as open), oldest first. A ticket assigned later does not show. Spam and deleted tickets are left out. Reads every partition (the latest state needs every event).
SELECT
  ticket_id,
  subject,
  status_name,
  channel_name,
  group_id,
  group_name,
  requester_id,
  created_at,
  updated_at,
  due_by
FROM tickets_latest
WHERE priority = 4
  AND responder_id IS NULL
  AND status NOT IN (4, 5)
ORDER BY created_at NULLS LAST, ticket_id
