-- name: time-to-first-assignment
-- description: Hours from ticket creation to the first event with a responder, median (p50) and p90 by priority (latest state), for tickets created between two UTC days. Only tickets whose create event is in the lake count: their events carry every assignment. Freshdesk's ticket stats hold no assignment time, so a ticket known only from sync snapshots (which carry a later state, not the moment of assignment) is counted apart as history_incomplete, never measured to a snapshot's time. Percentiles are exact (nearest rank), so both engines agree; tickets never assigned are counted apart. Spam and deleted tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT ticket_id, event_id, event_time, detail_type, created_at, updated_at, responder_id, priority, priority_name, spam, deleted
  FROM ticket_history
  WHERE dt >= :from
),
latest AS (
  SELECT
    ticket_id, created_at, priority, priority_name, spam, deleted,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM events_since_from
),
first_assignment AS (
  SELECT
    ticket_id,
    min(CASE WHEN responder_id IS NOT NULL THEN coalesce(updated_at, event_time) END) AS assigned_at,
    count_if(detail_type = 'onTicketCreate') > 0 AS has_create_event
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    l.priority,
    l.priority_name,
    a.has_create_event AS history_known,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CASE WHEN a.has_create_event THEN CAST(date_diff('second', l.created_at, a.assigned_at) AS double) / 3600 END AS hours
  FROM latest l
  JOIN first_assignment a ON a.ticket_id = l.ticket_id
  WHERE l.recency = 1
    AND CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
    AND coalesce(l.spam, false) = false
    AND coalesce(l.deleted, false) = false
),
ranked AS (
  SELECT
    priority,
    priority_name,
    history_known,
    hours,
    row_number() OVER (PARTITION BY priority ORDER BY hours ASC NULLS LAST) AS hours_rank,
    count(hours) OVER (PARTITION BY priority) AS assigned
  FROM created_in_range
)
SELECT
  priority_name,
  count_if(history_known) AS tickets,
  max(assigned) AS assigned_tickets,
  count_if(history_known) - max(assigned) AS never_assigned,
  count_if(NOT history_known) AS history_incomplete,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 50 * assigned THEN hours END), 2) AS p50_hours,
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 90 * assigned THEN hours END), 2) AS p90_hours
FROM ranked
GROUP BY priority, priority_name
ORDER BY priority DESC NULLS LAST
