-- name: sla-due-soon
-- description: Tickets not Resolved or Closed (latest state) whose resolution due time (due_by) falls in the next N hours after a moment (default now, UTC), soonest first; tickets already overdue are not listed. Custom statuses count as not resolved. Group and agent names come from the synced dimensions (else the ids). Spam and deleted tickets are left out. Reads every partition.
-- param: hours integer(1..8760) = 4 | Look-ahead window in hours (up to a year)
-- param: as_of timestamp = now | UTC moment the window starts, YYYY-MM-DD HH:MM
-- Athena accepts execution parameters only in WHERE clauses, so the moment reaches hours_left
-- through WHERE filters: for each decimal place of a count, the digit table keeps the one digit
-- that matches, and digit x place value adds up to the count. The moment is counted in days since
-- 0001-01-01 plus milliseconds into its day (whole-day steps keep DuckDB's interval arithmetic exact).
WITH digit AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t(d)
),
place AS (
  -- 10^0 .. 10^7: days since 0001-01-01 stay under 3.7 million, milliseconds of a day under 86.4 million.
  SELECT CAST(power(10, d) AS bigint) AS value FROM digit WHERE d <= 7
),
as_of_days AS (
  SELECT CAST(sum(digit.d * place.value) AS bigint) AS days
  FROM digit CROSS JOIN place
  WHERE date_diff('day', TIMESTAMP '0001-01-01 00:00:00.000', CAST(:as_of AS timestamp)) % (10 * place.value)
    BETWEEN digit.d * place.value AND (digit.d + 1) * place.value - 1
),
as_of_milliseconds AS (
  SELECT CAST(sum(digit.d * place.value) AS bigint) AS milliseconds
  FROM digit CROSS JOIN place
  WHERE date_diff('millisecond', date_trunc('day', CAST(:as_of AS timestamp)), CAST(:as_of AS timestamp)) % (10 * place.value)
    BETWEEN digit.d * place.value AND (digit.d + 1) * place.value - 1
),
as_of AS (
  -- A literal with three decimals is a timestamp(3) on Trino: the milliseconds added are kept.
  SELECT date_add('millisecond', milliseconds, date_add('day', days, TIMESTAMP '0001-01-01 00:00:00.000')) AS moment
  FROM as_of_days CROSS JOIN as_of_milliseconds
)
SELECT
  ticket_id,
  subject,
  priority_name,
  status_name,
  group_id,
  group_name,
  responder_id,
  agent_name,
  due_by,
  -- Seconds, then hours as a double: integer division truncates on Trino and not on DuckDB.
  round(CAST(date_diff('second', as_of.moment, due_by) AS double) / 3600, 2) AS hours_left
FROM tickets_latest CROSS JOIN as_of
WHERE status NOT IN (4, 5)
  AND due_by >= CAST(:as_of AS timestamp)
  AND due_by < date_add('hour', :hours, CAST(:as_of AS timestamp))
ORDER BY due_by, ticket_id
