-- name: resolution-time
-- description: Hours from ticket creation to its first resolution (Resolved or Closed), median (p50) and p90 by priority (latest state), for tickets created between two UTC days. The first resolution comes from the ticket stats of a sync (resolved_at or closed_at of a snapshot taken before any reopen), else from the first Resolved/Closed event of a ticket whose create event is in the lake. Tickets whose first resolution neither tells (no create event and no such stats: e.g. synced only after a reopen) are counted apart as history_incomplete, never guessed from a snapshot's time. Percentiles are exact (nearest rank), so both engines agree; tickets not yet resolved are counted apart. Spam and deleted tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT
    ticket_id, event_id, event_time, detail_type, created_at, updated_at, status, priority, priority_name, spam, deleted, reopened_at,
    -- The earlier of the snapshot's resolved_at and closed_at (a ticket closed without resolving has only the latter).
    CASE
      WHEN resolved_at IS NULL THEN closed_at
      WHEN closed_at IS NULL OR resolved_at <= closed_at THEN resolved_at
      ELSE closed_at
    END AS stats_done_at
  FROM ticket_history
  WHERE dt >= :from
),
latest AS (
  SELECT
    ticket_id, created_at, status, priority, priority_name, spam, deleted,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM events_since_from
),
per_ticket AS (
  SELECT
    ticket_id,
    -- The events carry every change of a ticket whose creation they carry.
    count_if(detail_type = 'onTicketCreate') > 0 AS has_create_event,
    min(CASE WHEN status IN (4, 5) THEN coalesce(updated_at, event_time) END) AS first_done_event_at,
    -- A snapshot from before any reopen: its last resolution is the first one.
    min(CASE WHEN reopened_at IS NULL THEN stats_done_at END) AS first_done_stats_at,
    -- Some snapshot already says the ticket was resolved or reopened.
    count_if(stats_done_at IS NOT NULL OR reopened_at IS NOT NULL) > 0 AS stats_saw_resolution,
    count_if(detail_type = 'freshlake.ticketSnapshot') > 0 AS has_snapshot
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    l.priority,
    l.priority_name,
    CASE
      WHEN t.first_done_stats_at IS NOT NULL THEN t.first_done_stats_at
      WHEN t.has_create_event THEN t.first_done_event_at
    END AS resolved_at,
    -- Known: resolved as above, or not resolved yet (no Resolved/Closed event since creation, or a
    -- ticket open now whose snapshots never saw a resolution).
    (
      t.first_done_stats_at IS NOT NULL
      OR t.has_create_event
      OR (l.status NOT IN (4, 5) AND t.has_snapshot AND NOT t.stats_saw_resolution)
    ) AS history_known,
    l.created_at
  FROM latest l
  JOIN per_ticket t ON t.ticket_id = l.ticket_id
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
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CASE WHEN history_known THEN CAST(date_diff('second', created_at, resolved_at) AS double) / 3600 END AS hours,
    row_number() OVER (
      PARTITION BY priority
      ORDER BY CASE WHEN history_known THEN CAST(date_diff('second', created_at, resolved_at) AS double) END ASC NULLS LAST
    ) AS hours_rank,
    count(CASE WHEN history_known THEN resolved_at END) OVER (PARTITION BY priority) AS resolved
  FROM created_in_range
)
SELECT
  priority_name,
  count_if(history_known) AS tickets,
  max(resolved) AS resolved_tickets,
  count_if(history_known) - max(resolved) AS unresolved,
  count_if(NOT history_known) AS history_incomplete,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 50 * resolved THEN hours END), 2) AS p50_hours,
  round(min(CASE WHEN hours IS NOT NULL AND hours_rank * 100 >= 90 * resolved THEN hours END), 2) AS p90_hours
FROM ranked
GROUP BY priority, priority_name
ORDER BY priority DESC NULLS LAST
