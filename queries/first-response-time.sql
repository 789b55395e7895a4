-- name: first-response-time
-- description: Hours from ticket creation to the first agent response (Freshdesk's first_responded_at from the ticket stats a sync stores), median (p50) and p90 by priority (latest state), for tickets created between two UTC days. Needs freshlake sync: partner events carry no stats, so tickets with no synced snapshot are counted apart as without_stats; tickets synced before any response are counted as not_responded. Percentiles are exact (nearest rank), so both engines agree. Spam and deleted tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT ticket_id, event_id, event_time, detail_type, created_at, updated_at, priority, priority_name, spam, deleted, first_responded_at
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
stats AS (
  SELECT
    ticket_id,
    -- The first response never changes once set; min() also ignores snapshots from before it.
    min(first_responded_at) AS first_responded_at,
    count_if(detail_type = 'freshlake.ticketSnapshot') > 0 AS has_stats
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    l.priority,
    l.priority_name,
    s.has_stats,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CAST(date_diff('second', l.created_at, s.first_responded_at) AS double) / 3600 AS hours
  FROM latest l
  JOIN stats s ON s.ticket_id = l.ticket_id
  WHERE l.recency = 1
    AND CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
    AND coalesce(l.spam, false) = false
    AND coalesce(l.deleted, false) = false
),
ranked AS (
  SELECT
    priority,
    priority_name,
    has_stats,
    hours,
    row_number() OVER (PARTITION BY priority ORDER BY hours ASC NULLS LAST) AS hours_rank,
    count(hours) OVER (PARTITION BY priority) AS responded
  FROM created_in_range
)
SELECT
  priority_name,
  count_if(has_stats) AS tickets,
  max(responded) AS responded_tickets,
  count_if(has_stats) - max(responded) AS not_responded,
  count_if(NOT has_stats) AS without_stats,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 50 * responded THEN hours END), 2) AS p50_hours,
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 90 * responded THEN hours END), 2) AS p90_hours
FROM ranked
GROUP BY priority, priority_name
ORDER BY priority DESC NULLS LAST
