-- name: resolution-time
-- description: Hours from ticket creation to the first event with status Resolved or Closed, median (p50) and p90 by priority (latest state), for tickets created between two UTC days. Percentiles are exact (nearest rank), so both engines agree; tickets not yet resolved are counted apart. Spam tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT ticket_id, event_id, event_time, created_at, updated_at, status, priority, priority_name, spam
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
first_resolution AS (
  SELECT ticket_id, min(coalesce(updated_at, event_time)) AS resolved_at
  FROM events_since_from
  WHERE status IN (4, 5)
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    l.priority,
    l.priority_name,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CAST(date_diff('second', l.created_at, r.resolved_at) AS double) / 3600 AS hours
  FROM latest l
  LEFT JOIN first_resolution r ON r.ticket_id = l.ticket_id
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
    count(hours) OVER (PARTITION BY priority) AS resolved
  FROM created_in_range
)
SELECT
  priority_name,
  count(*) AS tickets,
  max(resolved) AS resolved_tickets,
  count(*) - max(resolved) AS unresolved,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 50 * resolved THEN hours END), 2) AS p50_hours,
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 90 * resolved THEN hours END), 2) AS p90_hours
FROM ranked
GROUP BY priority, priority_name
ORDER BY priority DESC NULLS LAST
