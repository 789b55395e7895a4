-- name: time-to-first-assignment
-- description: Hours from ticket creation to the first event with a responder, median (p50) and p90 by priority (latest state), for tickets created between two UTC days. Percentiles are exact (nearest rank), so both engines agree; tickets never assigned are counted apart. Spam tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT ticket_id, event_id, event_time, created_at, updated_at, responder_id, priority, priority_name, spam
  FROM ticket_history
  WHERE dt >= :from
),
latest AS (
  SELECT
    ticket_id, created_at, priority, priority_name, spam,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM events_since_from
),
first_assignment AS (
  SELECT ticket_id, min(coalesce(updated_at, event_time)) AS assigned_at
  FROM events_since_from
  WHERE responder_id IS NOT NULL
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    l.priority,
    l.priority_name,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CAST(date_diff('second', l.created_at, a.assigned_at) AS double) / 3600 AS hours
  FROM latest l
  LEFT JOIN first_assignment a ON a.ticket_id = l.ticket_id
  WHERE l.recency = 1
    AND CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
    AND coalesce(l.spam, false) = false
),
ranked AS (
  SELECT
    priority,
    priority_name,
    hours,
    row_number() OVER (PARTITION BY priority ORDER BY hours ASC NULLS LAST) AS hours_rank,
    count(hours) OVER (PARTITION BY priority) AS assigned
  FROM created_in_range
)
SELECT
  priority_name,
  count(*) AS tickets,
  max(assigned) AS assigned_tickets,
  count(*) - max(assigned) AS never_assigned,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 50 * assigned THEN hours END), 2) AS p50_hours,
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 90 * assigned THEN hours END), 2) AS p90_hours
FROM ranked
GROUP BY priority, priority_name
ORDER BY priority DESC NULLS LAST
