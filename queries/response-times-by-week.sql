-- name: response-times-by-week
-- description: First response and resolution times in hours, median (p50) and p90, per UTC week of creation (weeks start on Monday) and priority (latest state), for tickets created between two UTC days; rows with scope 'week' sum up all priorities of a week, the row with scope 'period' the whole range. First response: created_at to the ticket's first_responded_at from the ticket stats that freshlake sync brings (Freshdesk's own first response); tickets without it (event-only history, or not answered yet) are counted apart, never guessed. Resolution: created_at to the first event with status Resolved or Closed. Calendar hours, not business hours. Percentiles are exact (nearest rank), so both engines agree. Spam tickets are left out. Reads only the partitions from the first day on.
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
first_response AS (
  SELECT ticket_id, CAST(NULL AS timestamp) AS responded_at
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    CAST(date_trunc('week', l.created_at) AS date) AS week,
    l.priority,
    l.priority_name,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CAST(date_diff('second', l.created_at, f.responded_at) AS double) / 3600 AS first_response_hours,
    CAST(date_diff('second', l.created_at, r.resolved_at) AS double) / 3600 AS resolution_hours
  FROM latest l
  LEFT JOIN first_response f ON f.ticket_id = l.ticket_id
  LEFT JOIN first_resolution r ON r.ticket_id = l.ticket_id
  WHERE l.recency = 1
    AND CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
    AND coalesce(l.spam, false) = false
),
scoped AS (
  SELECT 'week-priority' AS scope, week, priority, priority_name, first_response_hours, resolution_hours FROM created_in_range
  UNION ALL
  SELECT 'week' AS scope, week, CAST(NULL AS integer) AS priority, 'All' AS priority_name, first_response_hours, resolution_hours FROM created_in_range
  UNION ALL
  SELECT 'period' AS scope, CAST(NULL AS date) AS week, CAST(NULL AS integer) AS priority, 'All' AS priority_name, first_response_hours, resolution_hours FROM created_in_range
),
ranked AS (
  SELECT
    s.*,
    row_number() OVER (PARTITION BY scope, week, priority ORDER BY first_response_hours ASC NULLS LAST) AS response_rank,
    count(first_response_hours) OVER (PARTITION BY scope, week, priority) AS responded,
    row_number() OVER (PARTITION BY scope, week, priority ORDER BY resolution_hours ASC NULLS LAST) AS resolution_rank,
    count(resolution_hours) OVER (PARTITION BY scope, week, priority) AS resolved
  FROM scoped s
)
SELECT
  scope,
  week,
  priority_name,
  count(*) AS tickets,
  max(responded) AS responded_tickets,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN first_response_hours IS NOT NULL AND response_rank * 100 >= 50 * responded THEN first_response_hours END), 2) AS p50_first_response_hours,
  round(min(CASE WHEN first_response_hours IS NOT NULL AND response_rank * 100 >= 90 * responded THEN first_response_hours END), 2) AS p90_first_response_hours,
  max(resolved) AS resolved_tickets,
  round(min(CASE WHEN resolution_hours IS NOT NULL AND resolution_rank * 100 >= 50 * resolved THEN resolution_hours END), 2) AS p50_resolution_hours,
  round(min(CASE WHEN resolution_hours IS NOT NULL AND resolution_rank * 100 >= 90 * resolved THEN resolution_hours END), 2) AS p90_resolution_hours
FROM ranked
GROUP BY scope, week, priority, priority_name
ORDER BY CASE scope WHEN 'period' THEN 0 WHEN 'week' THEN 1 ELSE 2 END, week, priority DESC NULLS LAST
