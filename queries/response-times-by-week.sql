-- name: response-times-by-week
-- description: First response and resolution times in hours, median (p50) and p90, per UTC week of creation (weeks start on Monday) and priority (latest state), for tickets created between two UTC days; rows with scope 'week' sum up all priorities of a week, the row with scope 'period' the whole range. First response: created_at to the ticket's first_responded_at from the ticket stats that freshlake sync brings (Freshdesk's own first response); tickets without it (event-only history, or not answered yet) are counted apart, never guessed. Resolution: created_at to the first resolution as resolution-time defines it (the stats' resolved_at/closed_at from before any reopen, else the first Resolved or Closed event of a ticket whose create event is in the lake; unknown otherwise, and then not counted). Calendar hours, not business hours. Percentiles are exact (nearest rank), so both engines agree. Spam and deleted tickets are left out. Reads the partitions from the first day on, and the latest state (tickets_latest).
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT
    ticket_id, event_id, event_time, detail_type, created_at, updated_at, status, priority, priority_name, spam, deleted,
    first_responded_at, reopened_at,
    -- The earlier of the snapshot's resolved_at and closed_at (a ticket closed without resolving has only the latter).
    CASE
      WHEN resolved_at IS NULL THEN closed_at
      WHEN closed_at IS NULL OR resolved_at <= closed_at THEN resolved_at
      ELSE closed_at
    END AS stats_done_at
  FROM ticket_history
  WHERE dt >= :from
),
-- The first resolution as resolution-time defines it: stats from before any reopen, else the first
-- Resolved/Closed event of a ticket whose create event is in the lake; otherwise unknown.
per_ticket AS (
  SELECT
    ticket_id,
    count_if(detail_type = 'onTicketCreate') > 0 AS has_create_event,
    min(CASE WHEN status IN (4, 5) THEN coalesce(updated_at, event_time) END) AS first_done_event_at,
    min(CASE WHEN reopened_at IS NULL THEN stats_done_at END) AS first_done_stats_at,
    min(first_responded_at) AS responded_at
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    CAST(date_trunc('week', l.created_at) AS date) AS week,
    l.priority,
    l.priority_name,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CAST(date_diff('second', l.created_at, t.responded_at) AS double) / 3600 AS first_response_hours,
    CAST(date_diff('second', l.created_at, CASE
      WHEN t.first_done_stats_at IS NOT NULL THEN t.first_done_stats_at
      WHEN t.has_create_event THEN t.first_done_event_at
    END) AS double) / 3600 AS resolution_hours
  -- The latest state (spam and deleted tickets are not in tickets_latest).
  FROM tickets_latest l
  JOIN per_ticket t ON t.ticket_id = l.ticket_id
  WHERE CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
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
