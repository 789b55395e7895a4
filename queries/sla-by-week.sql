-- name: sla-by-week
-- description: SLA met, per UTC week of creation (weeks start on Monday) and priority (latest state), for tickets created between two UTC days; scope 'week' sums up all priorities of a week, scope 'period' the whole range. Resolution SLA: met when the first resolution (as resolution-time defines it) is at or before due_by; breached when it came later, or when the ticket is unresolved now and due_by has passed at as_of; tickets not yet due, and resolved tickets whose first resolution the history does not tell, are not counted. First response SLA: met when first_responded_at (ticket stats from freshlake sync) is at or before fr_due_by, breached when later; without stats, Freshdesk's own flag decides: breached if fr_escalated was ever set, met if fr_due_by passed without it. due_by and fr_due_by are the latest state's (Freshdesk moves them when the priority changes). Shares are met / (met + breached). Spam and deleted tickets are left out. Reads the partitions from the first day on, and the latest state (tickets_latest).
-- param: from date = today-30 | First UTC creation day
-- param: to date = today | Last UTC creation day (inclusive)
-- param: as_of timestamp = now | UTC moment a due time counts as passed
WITH events_since_from AS (
  -- Every event of a ticket created on or after :from is dated :from or later.
  SELECT
    ticket_id, event_id, event_time, detail_type, created_at, updated_at, status, priority, priority_name, spam, deleted,
    due_by, fr_due_by, fr_escalated, first_responded_at, reopened_at,
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
    min(first_responded_at) AS responded_at,
    coalesce(max(CASE WHEN fr_escalated THEN 1 ELSE 0 END), 0) = 1 AS fr_flagged
  FROM events_since_from
  GROUP BY ticket_id
),
tickets AS (
  SELECT
    CAST(date_trunc('week', l.created_at) AS date) AS week,
    l.priority,
    l.priority_name,
    l.due_by,
    l.fr_due_by,
    l.status NOT IN (4, 5) AS unresolved_now,
    CASE
      WHEN p.first_done_stats_at IS NOT NULL THEN p.first_done_stats_at
      WHEN p.has_create_event THEN p.first_done_event_at
    END AS resolved_at,
    p.responded_at,
    p.fr_flagged
  -- The latest state (spam and deleted tickets are not in tickets_latest).
  FROM tickets_latest l
  JOIN per_ticket p ON p.ticket_id = l.ticket_id
  WHERE CAST(l.created_at AS date) BETWEEN CAST(:from AS date) AND CAST(:to AS date)
),
-- One row per ticket and SLA with its outcome; a due time is compared with :as_of in WHERE only.
outcomes AS (
  SELECT week, priority, priority_name, 'resolution' AS sla, 1 AS met FROM tickets WHERE resolved_at <= due_by
  UNION ALL
  SELECT week, priority, priority_name, 'resolution' AS sla, 0 AS met FROM tickets
  WHERE resolved_at > due_by OR (resolved_at IS NULL AND unresolved_now AND due_by < CAST(:as_of AS timestamp))
  UNION ALL
  SELECT week, priority, priority_name, 'first_response' AS sla, 1 AS met FROM tickets
  WHERE responded_at <= fr_due_by OR (responded_at IS NULL AND NOT fr_flagged AND fr_due_by < CAST(:as_of AS timestamp))
  UNION ALL
  SELECT week, priority, priority_name, 'first_response' AS sla, 0 AS met FROM tickets
  WHERE responded_at > fr_due_by OR (responded_at IS NULL AND fr_flagged)
),
scoped AS (
  SELECT 'week-priority' AS scope, week, priority, priority_name, sla, met FROM outcomes
  UNION ALL
  SELECT 'week' AS scope, week, CAST(NULL AS integer) AS priority, 'All' AS priority_name, sla, met FROM outcomes
  UNION ALL
  SELECT 'period' AS scope, CAST(NULL AS date) AS week, CAST(NULL AS integer) AS priority, 'All' AS priority_name, sla, met FROM outcomes
)
SELECT
  scope,
  week,
  priority_name,
  count_if(sla = 'resolution' AND met = 1) AS resolution_met,
  count_if(sla = 'resolution' AND met = 0) AS resolution_breached,
  -- The share met is the mean of the 0/1 outcomes (NULL when none is counted yet).
  round(avg(CASE WHEN sla = 'resolution' THEN CAST(met AS double) END), 4) AS resolution_met_share,
  count_if(sla = 'first_response' AND met = 1) AS first_response_met,
  count_if(sla = 'first_response' AND met = 0) AS first_response_breached,
  round(avg(CASE WHEN sla = 'first_response' THEN CAST(met AS double) END), 4) AS first_response_met_share
FROM scoped
GROUP BY scope, week, priority, priority_name
ORDER BY CASE scope WHEN 'period' THEN 0 WHEN 'week' THEN 1 ELSE 2 END, week, priority DESC NULLS LAST
