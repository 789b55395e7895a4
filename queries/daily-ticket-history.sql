-- name: daily-ticket-history
-- description: The backlog trend: for every UTC day between two days, the number of tickets unresolved at the END of that day (Freshdesk's "unresolved": any status but Resolved (4) and Closed (5), custom statuses included), by priority and group, as they were on that day. Computed from the event history, not from today's state: each event (API snapshots included) starts a state that lasts until the ticket's next event in updated_at order, and a ticket counts on day D when its last state that started by the end of D is unresolved. A ticket whose first known record is not its creation (history from before the stack, or only a sync snapshot) counts as unresolved from created_at until that record, or until the resolved_at/closed_at of its ticket stats when those are earlier. Spam tickets are left out while marked spam, deleted tickets from the snapshot that says they were deleted. Reads every partition: the state at the start of the range depends on all earlier events.
-- param: from date = today-30 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH states AS (
  SELECT
    ticket_id,
    -- A boolean, not the text: the window below holds every event's columns, and less of them spills less.
    detail_type = 'onTicketCreate' AS is_create_event,
    status,
    priority,
    priority_name,
    group_id,
    spam,
    deleted,
    created_at,
    -- The earlier of the stats' resolved_at and closed_at (API snapshots; NULL on partner events).
    CASE
      WHEN resolved_at IS NULL THEN closed_at
      WHEN closed_at IS NULL OR resolved_at <= closed_at THEN resolved_at
      ELSE closed_at
    END AS stats_done_at,
    coalesce(updated_at, event_time) AS state_from,
    -- The state lasts until the ticket's next event, in the order tickets_latest uses (updates arrive out of order).
    lead(coalesce(updated_at, event_time)) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS state_until,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS nth_state
  FROM ticket_history
),
unresolved_spans AS (
  SELECT priority, priority_name, group_id, CAST(state_from AS date) AS from_day, CAST(state_until AS date) AS until_day
  FROM states
  WHERE status NOT IN (4, 5)
    AND coalesce(spam, false) = false
    AND coalesce(deleted, false) = false
  UNION ALL
  -- Before a ticket's first known record, when that record is not its creation: unresolved since
  -- created_at, until the record, or until the resolution its stats give when that came earlier.
  SELECT
    priority, priority_name, group_id, CAST(created_at AS date) AS from_day,
    CAST(CASE WHEN status IN (4, 5) AND stats_done_at < state_from THEN stats_done_at ELSE state_from END AS date) AS until_day
  FROM states
  WHERE nth_state = 1
    AND NOT is_create_event
    AND created_at < state_from
    AND coalesce(spam, false) = false
    AND coalesce(deleted, false) = false
),
changes AS (
  SELECT from_day AS day, priority, priority_name, group_id, 1 AS delta FROM unresolved_spans
  UNION ALL
  SELECT until_day AS day, priority, priority_name, group_id, -1 AS delta FROM unresolved_spans WHERE until_day IS NOT NULL
),
-- The grid ends today (or on the last change, if later) and starts at most 9,000 days earlier:
-- Trino's sequence() makes at most 10,000 elements, and older changes only add to the first day.
bounds AS (
  SELECT
    last_day,
    CAST(date_add('day', -9000, last_day) AS date) AS first_grid_day
  FROM (SELECT CASE WHEN max(day) > current_date THEN max(day) ELSE current_date END AS last_day FROM changes)
),
-- +1 on the day a span starts, -1 on the day it ends: the running sum is the count at the end of each day.
daily_change AS (
  SELECT
    CASE WHEN c.day < b.first_grid_day THEN b.first_grid_day ELSE c.day END AS day,
    c.priority, c.priority_name, c.group_id, sum(c.delta) AS delta
  FROM changes c
  CROSS JOIN bounds b
  GROUP BY CASE WHEN c.day < b.first_grid_day THEN b.first_grid_day ELSE c.day END, c.priority, c.priority_name, c.group_id
),
series AS (
  SELECT priority, priority_name, group_id, min(day) AS first_day
  FROM daily_change
  GROUP BY priority, priority_name, group_id
),
-- One row per series and day, from the series' first change to the grid's last day.
grid AS (
  SELECT s.priority, s.priority_name, s.group_id, CAST(d AS date) AS day
  FROM series s
  CROSS JOIN bounds b
  CROSS JOIN UNNEST(sequence(s.first_day, b.last_day, INTERVAL '1' DAY)) AS t(d)
),
backlog AS (
  SELECT
    g.day,
    g.priority,
    g.priority_name,
    g.group_id,
    sum(coalesce(c.delta, 0)) OVER (
      PARTITION BY g.priority, g.group_id
      ORDER BY g.day
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS unresolved_tickets
  FROM grid g
  LEFT JOIN daily_change c
    ON c.day = g.day
    AND c.priority IS NOT DISTINCT FROM g.priority
    AND c.group_id IS NOT DISTINCT FROM g.group_id
)
SELECT
  day,
  priority_name,
  group_id,
  unresolved_tickets
FROM backlog
WHERE day BETWEEN CAST(:from AS date) AND CAST(:to AS date)
ORDER BY day, priority DESC NULLS LAST, group_id NULLS LAST
