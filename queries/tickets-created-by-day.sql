-- name: tickets-created-by-day
-- description: Tickets created per UTC day, by type and channel (as in the ticket's latest state), between two days inclusive. Spam and deleted tickets are left out. Reads only the partitions from the first day on.
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
WITH latest_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later, so the latest
  -- state taken from those partitions is the ticket's latest state (same order as tickets_latest).
  SELECT
    h.*,
    row_number() OVER (
      PARTITION BY ticket_id
      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC
    ) AS recency
  FROM ticket_history h
  WHERE dt >= :from
)
SELECT
  CAST(created_at AS date) AS created_day,
  ticket_type,
  channel_name,
  count(*) AS tickets
FROM latest_since_from
WHERE recency = 1
  AND CAST(created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
  AND coalesce(spam, false) = false
  AND coalesce(deleted, false) = false
GROUP BY CAST(created_at AS date), ticket_type, channel_name
ORDER BY created_day, ticket_type NULLS LAST, channel_name NULLS LAST
