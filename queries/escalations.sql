-- name: escalations
-- description: Escalations between two UTC days: the resolution SLA flag (is_escalated) or the first-response SLA flag (fr_escalated) turning true, or the priority being raised. Flags are compared with the ticket's previous event in the range (a ticket whose first event in the range is already escalated counts only if it was created in the range); a priority raise is read from changes.priority, else from the previous event. Read from the partner events only: a sync snapshot carries a later state, not the moment a flag or the priority changed, and the ticket stats hold no escalation time, so tickets known only from snapshots show no escalations. One row per escalation, oldest first, with status, group and agent names. Spam and deleted tickets (latest state) are left out. Reads the partitions from the first day on.
-- param: from date = today-7 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH latest AS (
  -- A ticket's records dated after the range hold its latest state (spam, deleted).
  SELECT
    ticket_id, spam, deleted,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM ticket_history
  WHERE dt >= :from
),
events_in_range AS (
  SELECT
    h.*,
    coalesce(h.updated_at, h.event_time) AS changed_at,
    -- Consecutive events in the order of the ticket's own update time (updates arrive out of order).
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS nth_in_range,
    lag(is_escalated) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS was_escalated,
    lag(fr_escalated) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS was_fr_escalated,
    lag(priority) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS priority_of_previous_event
  FROM ticket_history h
  WHERE dt BETWEEN :from AND :to
    AND detail_type <> 'freshlake.ticketSnapshot'
),
flagged AS (
  SELECT e.*
  FROM events_in_range e
  JOIN latest l ON l.ticket_id = e.ticket_id AND l.recency = 1
  WHERE coalesce(l.spam, false) = false
    AND coalesce(l.deleted, false) = false
),
-- A flag turning true counts when the state before the event is known: from an earlier event in
-- the range, or "not yet escalated" for a ticket created in the range. (Written out in each WHERE:
-- Athena accepts execution parameters only in WHERE clauses.)
escalations AS (
  SELECT changed_at, ticket_id, 'Resolution SLA escalated' AS escalation, priority_name, status, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE is_escalated = true AND coalesce(was_escalated, false) = false
    AND (nth_in_range > 1 OR CAST(created_at AS date) >= CAST(:from AS date))
  UNION ALL
  SELECT changed_at, ticket_id, 'First response SLA escalated' AS escalation, priority_name, status, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE fr_escalated = true AND coalesce(was_fr_escalated, false) = false
    AND (nth_in_range > 1 OR CAST(created_at AS date) >= CAST(:from AS date))
  UNION ALL
  SELECT changed_at, ticket_id, 'Priority raised' AS escalation, priority_name, status, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE priority > coalesce(previous_priority, priority_of_previous_event)
)
SELECT
  e.changed_at AS escalated_at,
  e.ticket_id,
  e.escalation,
  e.priority_name,
  coalesce(st.status_name, e.status_name) AS status_name,
  e.group_id,
  coalesce(g.group_name, CAST(e.group_id AS varchar)) AS group_name,
  e.responder_id,
  coalesce(a.agent_name, CAST(e.responder_id AS varchar)) AS agent_name,
  e.subject,
  e.event_id
FROM escalations e
LEFT JOIN ticket_statuses st ON st.status = e.status
LEFT JOIN groups g ON g.group_id = e.group_id
LEFT JOIN agents a ON a.agent_id = e.responder_id
ORDER BY escalated_at, e.ticket_id, e.escalation
