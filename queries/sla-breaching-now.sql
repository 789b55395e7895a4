-- name: sla-breaching-now
-- description: Tickets breaching an SLA now: unresolved in their latest state (any status but Resolved or Closed, custom statuses included) and either past their resolution due time (due_by before as_of) or without a first response past its due time (Freshdesk's fr_escalated flag set, and no first_responded_at in the ticket stats: without stats a late answer cannot be told from none). One row per ticket and breach, most overdue first. No subjects or requester data. Spam and deleted tickets are left out (tickets_latest). Reads every partition (the latest state needs every event).
-- param: as_of timestamp = now | UTC moment the due times are compared with
WITH unresolved AS (
  SELECT ticket_id, priority, priority_name, status_name, group_id, group_name, responder_id, agent_name, created_at, due_by, fr_due_by, fr_escalated, first_responded_at
  FROM tickets_latest
  WHERE status NOT IN (4, 5)
    AND coalesce(spam, false) = false
),
breaches AS (
  SELECT u.*, 'Resolution overdue' AS breach, due_by AS due_at
  FROM unresolved u
  WHERE due_by < CAST(:as_of AS timestamp)
  UNION ALL
  SELECT u.*, 'First response overdue' AS breach, fr_due_by AS due_at
  FROM unresolved u
  WHERE fr_escalated = true
    AND first_responded_at IS NULL
)
SELECT
  ticket_id,
  breach,
  due_at,
  priority_name,
  status_name,
  group_id,
  group_name,
  responder_id,
  agent_name,
  created_at
FROM breaches
ORDER BY due_at, ticket_id, breach
