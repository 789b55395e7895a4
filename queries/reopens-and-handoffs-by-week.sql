-- name: reopens-and-handoffs-by-week
-- description: Reopens, hand-offs and time unassigned per UTC week of creation (weeks start on Monday), for tickets created between two UTC days. Reopen: a change from Resolved or Closed to any unresolved status (or, where no event shows one, the reopened_at of the ticket stats: counted once); reopen rate = reopened tickets / tickets resolved at least once. Reassignment (hand-off): the responder changing from one agent to another; group transfer: group_id changing. The state before an update comes from its changes (status, responder_id), else from the ticket's previous event. Time unassigned: hours from creation to the first event with a responder (p50, p90 over the tickets assigned so far; never-assigned tickets are counted apart), only for tickets whose create event is in the lake (a sync snapshot does not tell when a ticket was first assigned). Spam and deleted tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT
    h.ticket_id, h.event_id, h.event_time, h.detail_type, h.created_at, h.updated_at, h.status, h.responder_id, h.group_id, h.spam,
    h.deleted, h.reopened_at, h.previous_status, h.previous_responder_id,
    -- The latest state is the last event in this order (tickets_latest's order, reversed): one sort for every window.
    lead(event_id) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) IS NULL AS is_latest,
    lag(status) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS status_of_previous_event,
    lag(responder_id) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS responder_of_previous_event,
    lag(group_id) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS group_of_previous_event
  FROM ticket_history h
  WHERE dt >= :from
),
per_ticket AS (
  SELECT
    ticket_id,
    max(CASE WHEN is_latest THEN created_at END) AS created_at,
    coalesce(max(CASE WHEN is_latest AND (spam OR deleted) THEN 1 ELSE 0 END), 0) = 1 AS left_out,
    count_if(detail_type = 'onTicketCreate') > 0 AS has_create_event,
    count_if(status IN (4, 5) OR reopened_at IS NOT NULL) > 0 AS resolved,
    count_if(status NOT IN (4, 5) AND coalesce(previous_status, status_of_previous_event) IN (4, 5)) AS reopens_seen,
    -- The stats of a sync say a ticket was reopened even when no event shows the change.
    count_if(reopened_at IS NOT NULL) > 0 AS stats_reopened,
    count_if(
      responder_id IS NOT NULL
      AND coalesce(previous_responder_id, responder_of_previous_event) IS NOT NULL
      AND responder_id <> coalesce(previous_responder_id, responder_of_previous_event)
    ) AS reassignments,
    count_if(group_id <> group_of_previous_event) AS group_transfers,
    min(CASE WHEN responder_id IS NOT NULL THEN coalesce(updated_at, event_time) END) AS assigned_at
  FROM events_since_from
  GROUP BY ticket_id
),
created_in_range AS (
  SELECT
    CAST(date_trunc('week', created_at) AS date) AS week,
    resolved,
    CASE WHEN reopens_seen = 0 AND stats_reopened THEN 1 ELSE reopens_seen END AS reopens,
    reassignments,
    group_transfers,
    -- The wait for a first agent is known only when the lake holds the ticket's creation.
    has_create_event,
    -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
    CASE WHEN has_create_event THEN CAST(date_diff('second', created_at, assigned_at) AS double) / 3600 END AS hours_unassigned
  FROM per_ticket
  WHERE CAST(created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
    AND left_out = false
),
ranked AS (
  SELECT
    c.*,
    row_number() OVER (PARTITION BY week ORDER BY hours_unassigned ASC NULLS LAST) AS unassigned_rank,
    count(hours_unassigned) OVER (PARTITION BY week) AS assigned
  FROM created_in_range c
)
SELECT
  week,
  count(*) AS tickets,
  count_if(resolved) AS resolved_tickets,
  count_if(reopens > 0) AS reopened_tickets,
  sum(reopens) AS reopens,
  -- Reopened tickets over resolved ones, as the mean of a 0/1 flag over the resolved tickets.
  round(avg(CASE WHEN resolved THEN CASE WHEN reopens > 0 THEN CAST(1 AS double) ELSE CAST(0 AS double) END END), 4) AS reopen_rate,
  sum(reassignments) AS reassignments,
  count_if(reassignments > 0) AS reassigned_tickets,
  sum(group_transfers) AS group_transfers,
  count_if(has_create_event) - max(assigned) AS never_assigned,
  -- Nearest rank: the smallest value with at least p of the values at or below it (integer maths).
  round(min(CASE WHEN hours_unassigned IS NOT NULL AND unassigned_rank * 100 >= 50 * assigned THEN hours_unassigned END), 2) AS p50_hours_unassigned,
  round(min(CASE WHEN hours_unassigned IS NOT NULL AND unassigned_rank * 100 >= 90 * assigned THEN hours_unassigned END), 2) AS p90_hours_unassigned
FROM ranked
GROUP BY week
ORDER BY week
