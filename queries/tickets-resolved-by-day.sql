-- name: tickets-resolved-by-day
-- description: Resolutions per UTC day and priority between two days: updates that move a ticket from an unresolved status (anything but Resolved or Closed, custom statuses included) to Resolved or Closed, on the day of the update's updated_at. Resolved then Closed counts once; a ticket resolved again after a reopen counts again. The status before the update comes from its changes.status, else from the ticket's previous event in the range. Spam tickets are left out. Reads only the partitions in the range and the day after it (an update saved just before midnight is dated the next day).
-- param: from date = today-30 | First UTC day
-- param: to date = today | Last UTC day (inclusive)
WITH events_in_range AS (
  SELECT
    h.*,
    lag(status) OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at ASC NULLS FIRST, event_time ASC NULLS FIRST, event_id ASC
    ) AS status_of_previous_event
  FROM ticket_history h
  -- An update's event is dated a moment after its updated_at: one saved just before midnight on :to
  -- lies in the next day's partition, so that partition is read too (its later days are filtered below).
  WHERE dt BETWEEN :from AND CAST(date_add('day', 1, CAST(:to AS date)) AS varchar)
),
resolutions AS (
  SELECT
    CAST(coalesce(updated_at, event_time) AS date) AS resolved_day,
    priority,
    priority_name,
    ticket_id
  FROM events_in_range
  WHERE status IN (4, 5)
    AND coalesce(previous_status, status_of_previous_event) NOT IN (4, 5)
    AND coalesce(spam, false) = false
    AND CAST(coalesce(updated_at, event_time) AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
)
SELECT
  resolved_day,
  priority_name,
  count(*) AS resolutions,
  count(DISTINCT ticket_id) AS tickets
FROM resolutions
GROUP BY resolved_day, priority, priority_name
ORDER BY resolved_day, priority DESC NULLS LAST
