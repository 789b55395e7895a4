-- name: escalations
-- description: Escalations between two UTC days: the resolution SLA flag (is_escalated) or the first-response SLA flag (fr_escalated) turning true, or the priority being raised. Flags are compared with the ticket's previous event in the range (a ticket whose first event in the range is already escalated counts only if it was created in the range); a priority raise is read from changes.priority, else from the previous event. One row per escalation, oldest first. Spam tickets are left out. Reads only the partitions in the range.
-- param: from date = today-7 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH events_in_range AS (
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
),
flagged AS (
  SELECT e.*
  FROM events_in_range e
  WHERE coalesce(spam, false) = false
),
-- A flag turning true counts when the state before the event is known: from an earlier event in
-- the range, or "not yet escalated" for a ticket created in the range. (Written out in each WHERE:
-- Athena accepts execution parameters only in WHERE clauses.)
escalations AS (
  SELECT changed_at, ticket_id, 'Resolution SLA escalated' AS escalation, priority_name, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE is_escalated = true AND coalesce(was_escalated, false) = false
    AND (nth_in_range > 1 OR CAST(created_at AS date) >= CAST(:from AS date))
  UNION ALL
  SELECT changed_at, ticket_id, 'First response SLA escalated' AS escalation, priority_name, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE fr_escalated = true AND coalesce(was_fr_escalated, false) = false
    AND (nth_in_range > 1 OR CAST(created_at AS date) >= CAST(:from AS date))
  UNION ALL
  SELECT changed_at, ticket_id, 'Priority raised' AS escalation, priority_name, status_name, group_id, responder_id, subject, event_id
  FROM flagged
  WHERE priority > coalesce(previous_priority, priority_of_previous_event)
)
SELECT
  changed_at AS escalated_at,
  ticket_id,
  escalation,
  priority_name,
  status_name,
  group_id,
  responder_id,
  subject,
  event_id
FROM escalations
ORDER BY escalated_at, ticket_id, escalation
