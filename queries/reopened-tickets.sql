-- name: reopened-tickets
-- description: Reopens between two UTC days: a ticket going from Resolved or Closed back to any unresolved status (Open, Pending or a custom one). Read from the partner events (the update's changes.status, or, when it carries none, the ticket's previous event in the range), and from the ticket stats of sync snapshots (reopened_at) for reopens no event shows. Snapshots alone never count as a reopen by comparing their statuses: they carry a later state, not the change. Stats hold only a ticket's last reopen as of each snapshot, so two reopens between syncs of a ticket without events count once (seen_in says which source found each). One row per reopen, oldest first, with group and agent names. Spam and deleted tickets (latest state) are left out. Reads the partitions from the first day on.
-- param: from date = today-30 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH history_since_from AS (
  -- A ticket's records dated after the range hold its latest state and any snapshot that saw a reopen in it.
  SELECT *
  FROM ticket_history
  WHERE dt >= :from
),
latest AS (
  SELECT
    ticket_id, spam, deleted,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM history_since_from
),
events_in_range AS (
  SELECT
    h.*,
    -- Consecutive events in the order of the ticket's own update time (updates arrive out of order).
    lag(status) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS status_of_previous_event
  FROM history_since_from h
  WHERE dt <= :to
    AND detail_type <> 'freshlake.ticketSnapshot'
),
event_reopens AS (
  SELECT
    coalesce(updated_at, event_time) AS reopened_at,
    ticket_id,
    coalesce(previous_status, status_of_previous_event) AS status_before,
    status AS status_after,
    priority_name, group_id, responder_id, subject, event_id,
    'event' AS seen_in
  FROM events_in_range
  WHERE status NOT IN (4, 5)
    AND coalesce(previous_status, status_of_previous_event) IN (4, 5)
),
snapshot_reopens AS (
  -- Each distinct reopened_at of a ticket's snapshots is one reopen; described by the first snapshot that saw it.
  SELECT
    h.*,
    row_number() OVER (PARTITION BY ticket_id, reopened_at ORDER BY updated_at ASC NULLS LAST, event_id ASC) AS nth_sighting
  FROM history_since_from h
  WHERE detail_type = 'freshlake.ticketSnapshot'
    AND CAST(reopened_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
),
stats_reopens AS (
  -- Reopens no event shows: an event of the same reopen has the same time, give or take a minute.
  SELECT
    s.reopened_at, s.ticket_id,
    CAST(NULL AS integer) AS status_before,
    CAST(NULL AS integer) AS status_after,
    s.priority_name, s.group_id, s.responder_id, s.subject, s.event_id,
    'ticket stats' AS seen_in
  FROM snapshot_reopens s
  LEFT JOIN event_reopens e
    ON e.ticket_id = s.ticket_id
    AND e.reopened_at BETWEEN date_add('second', -60, s.reopened_at) AND date_add('second', 60, s.reopened_at)
  WHERE s.nth_sighting = 1
    AND e.ticket_id IS NULL
),
reopens AS (
  SELECT * FROM event_reopens
  UNION ALL
  SELECT * FROM stats_reopens
)
SELECT
  r.reopened_at,
  r.ticket_id,
  CASE r.status_before WHEN 4 THEN 'Resolved' WHEN 5 THEN 'Closed' END AS reopened_from,
  coalesce(st.status_name, CASE r.status_after WHEN 2 THEN 'Open' WHEN 3 THEN 'Pending' ELSE 'Status ' || CAST(r.status_after AS varchar) END) AS reopened_as,
  r.priority_name,
  r.group_id,
  coalesce(g.group_name, CAST(r.group_id AS varchar)) AS group_name,
  r.responder_id,
  coalesce(a.agent_name, CAST(r.responder_id AS varchar)) AS agent_name,
  r.subject,
  r.seen_in,
  r.event_id
FROM reopens r
JOIN latest l ON l.ticket_id = r.ticket_id AND l.recency = 1
LEFT JOIN ticket_statuses st ON st.status = r.status_after
LEFT JOIN groups g ON g.group_id = r.group_id
LEFT JOIN agents a ON a.agent_id = r.responder_id
WHERE coalesce(l.spam, false) = false
  AND coalesce(l.deleted, false) = false
ORDER BY r.reopened_at, r.ticket_id, r.event_id
