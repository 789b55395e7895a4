/**
 * The report page's script, as text: it decodes the embedded data and draws each chart with
 * Observable Plot (loaded before it, from the same file). Plain ES2017 that any current browser
 * runs; no template literals or `${` so it sits in this TypeScript string as written.
 *
 * Each chart's countable mark carries aria-label "points" (dots, bars or rects: one per data row
 * after the aggregation its caption states) or "series" (one line per group), so tests and
 * screen readers can count what is drawn. A chart without data says so instead of drawing axes.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('report-data').textContent);

  function decodeTable(encoded) {
    var rows = [];
    for (var i = 0; i < encoded.rowCount; i++) rows.push({});
    encoded.columns.forEach(function (column) {
      rows.forEach(function (row, i) {
        if (column.values) row[column.name] = column.values[i];
        else row[column.name] = column.codes[i] === -1 ? null : column.dictionary[column.codes[i]];
      });
    });
    return rows;
  }

  var T = {};
  Object.keys(model.data).forEach(function (key) { T[key] = decodeTable(model.data[key]); });

  var PRIORITIES = ['Urgent', 'High', 'Medium', 'Low'];
  var PRIORITY_COLORS = ['#d6334a', '#f08a24', '#3b82c4', '#8a9bb0'];
  function day(text) { return new Date(String(text).slice(0, 10) + 'T00:00:00Z'); }
  function isoDay(date) { return date.toISOString().slice(0, 10); }
  function num(v) { return v === null || v === undefined ? 0 : Number(v); }
  function hours(v) { return v === null || v === undefined ? 'no data' : Number(v).toFixed(1) + ' h'; }

  // Names where the dimensions are synced (group_name / agent_name columns), ids otherwise.
  var groupNames = {};
  T.groups.concat(T.backlog, T.breaching, T.urgent).forEach(function (r) { if (r.group_id !== null && r.group_id !== undefined && r.group_name) groupNames[r.group_id] = r.group_name; });
  // tickets_latest falls back to the id as text when no dimension names it: show "Group <id>" then.
  function groupLabel(id) {
    if (id === null || id === undefined) return 'No group';
    var name = groupNames[id];
    return name && name !== String(id) ? name : 'Group ' + id;
  }
  function agentLabel(r) { return r.agent_name && r.agent_name !== String(r.responder_id) ? r.agent_name : 'Agent ' + r.responder_id; }

  /** Sums value(row) per key(row); returns [{key parts..., value}] in first-seen order. */
  function sumBy(rows, keyOf, value) {
    var index = new Map();
    var out = [];
    rows.forEach(function (r) {
      var parts = keyOf(r);
      var k = JSON.stringify(parts);
      var entry = index.get(k);
      if (!entry) { entry = { parts: parts, value: 0 }; index.set(k, entry); out.push(entry); }
      entry.value += value(r);
    });
    return out;
  }

  /** Gaps between daily bars only while bars are wide enough to show them (a year of days is not). */
  function dayInset(rows) {
    return new Set(rows.map(function (r) { return isoDay(r.date); })).size > 60 ? 0 : 0.5;
  }

  /** Daily charts: a tick per day on short ranges (Plot would otherwise label hours). */
  function dailyX(rows) {
    var days = new Set(rows.map(function (r) { return isoDay(r.date); }));
    return days.size <= 16 ? { type: 'utc', label: null, ticks: 'day' } : { type: 'utc', label: null };
  }

  function periodDays() {
    var days = [];
    for (var d = day(model.period.from); isoDay(d) <= model.period.to; d = new Date(d.getTime() + 86400000)) days.push(isoDay(d));
    return days;
  }

  /** Every day x series combination, missing ones as 0, so stacks have no holes. */
  function dense(entries, days, seriesList) {
    var have = new Map();
    entries.forEach(function (e) { have.set(e.parts[0] + '|' + e.parts[1], e.value); });
    var out = [];
    days.forEach(function (d) { seriesList.forEach(function (s) { out.push({ date: day(d), series: s, value: have.get(d + '|' + s) || 0 }); }); });
    return out;
  }

  function present(order, values) {
    var seen = {};
    values.forEach(function (v) { seen[v] = true; });
    var known = order.filter(function (v) { return seen[v]; });
    return known.concat(Object.keys(seen).filter(function (v) { return order.indexOf(v) < 0; }).sort());
  }
  function priorityScale(values) {
    var domain = present(PRIORITIES, values);
    return { legend: true, domain: domain, range: domain.map(function (p) { var i = PRIORITIES.indexOf(p); return i < 0 ? '#777' : PRIORITY_COLORS[i]; }) };
  }

  // The figure being drawn: its title and caption label the SVG for screen readers.
  var currentFigure = null;
  function base(width, extra) {
    var options = { width: Math.max(320, width), height: 260, marginLeft: 56, marginBottom: 36, style: { fontSize: '12px', background: 'transparent' } };
    if (currentFigure) {
      options.ariaLabel = currentFigure.querySelector('h3').textContent;
      options.ariaDescription = currentFigure.querySelector('figcaption').firstChild.textContent.trim();
    }
    Object.keys(extra).forEach(function (k) { options[k] = extra[k]; });
    return Plot.plot(options);
  }

  var charts = {
    'backlog-priority': function (width) {
      if (T.backlog.length === 0) return null;
      var days = periodDays().filter(function (d) { return T.backlog.some(function (r) { return r.day === d; }); });
      var entries = sumBy(T.backlog, function (r) { return [r.day, r.priority_name]; }, function (r) { return num(r.unresolved_tickets); });
      var priorities = present(PRIORITIES, entries.map(function (e) { return e.parts[1]; }));
      var stacked = dense(entries, days, priorities);
      var totals = sumBy(T.backlog, function (r) { return [r.day]; }, function (r) { return num(r.unresolved_tickets); })
        .map(function (e) { return { date: day(e.parts[0]), value: e.value }; });
      return base(width, {
        x: dailyX(totals),
        y: { label: 'Unresolved tickets (end of day)', grid: true },
        color: priorityScale(priorities),
        marks: [
          Plot.areaY(stacked, { x: 'date', y: 'value', fill: 'series', order: priorities, fillOpacity: 0.75 }),
          Plot.lineY(totals, { x: 'date', y: 'value', stroke: 'currentColor', strokeWidth: 1 }),
          Plot.dot(totals, { x: 'date', y: 'value', r: totals.length > 60 ? 1.2 : 2, fill: 'currentColor', className: 'marks-points', tip: true,
            title: function (d) { return isoDay(d.date) + ': ' + d.value + ' unresolved'; } }),
          Plot.ruleY([0]),
        ],
      });
    },
    'backlog-group': function (width) {
      if (T.backlog.length === 0) return null;
      var entries = sumBy(T.backlog, function (r) { return [r.day, groupLabel(r.group_id)]; }, function (r) { return num(r.unresolved_tickets); });
      var groups = present([], entries.map(function (e) { return e.parts[1]; }));
      var days = present([], T.backlog.map(function (r) { return r.day; }));
      var lines = dense(entries, days, groups);
      return base(width, {
        x: dailyX(lines),
        y: { label: 'Unresolved tickets (end of day)', grid: true },
        color: { legend: true, type: 'ordinal', scheme: 'observable10' },
        marks: [
          Plot.lineY(lines, { x: 'date', y: 'value', stroke: 'series', z: 'series', strokeWidth: 1.6, className: 'marks-series', tip: true,
            title: function (d) { return d.series + ', ' + isoDay(d.date) + ': ' + d.value + ' unresolved'; } }),
          Plot.ruleY([0]),
        ],
      });
    },
    'created-channel': function (width) { return createdBy(width, 'channel_name', 'Channel'); },
    'created-type': function (width) { return createdBy(width, 'ticket_type', 'Type'); },
    'resolved': function (width) {
      if (T.resolved.length === 0) return null;
      var rows = T.resolved.map(function (r) { return { date: day(r.resolved_day), priority: r.priority_name, value: num(r.resolutions), tickets: num(r.tickets) }; });
      return base(width, {
        x: dailyX(rows),
        y: { label: 'Resolutions per day', grid: true },
        color: priorityScale(rows.map(function (r) { return r.priority; })),
        marks: [
          Plot.rectY(rows, { x: 'date', interval: 'day', y: 'value', fill: 'priority', order: PRIORITIES, inset: dayInset(rows), className: 'marks-points', tip: true,
            title: function (d) { return isoDay(d.date) + ', ' + d.priority + ': ' + d.value + ' resolutions (' + d.tickets + ' tickets)'; } }),
          Plot.ruleY([0]),
        ],
      });
    },
    'first-response': function (width) { return weeklyHours(width, 'first_response', 'First response, hours (p50)'); },
    'resolution-time': function (width) { return weeklyHours(width, 'resolution', 'Resolution, hours (p50)'); },
    'sla-met': function (width) {
      var points = [];
      T.sla.filter(function (r) { return r.scope === 'week'; }).forEach(function (r) {
        if (r.resolution_met_share !== null) points.push({ date: day(r.week), sla: 'Resolution by due_by', value: r.resolution_met_share, met: r.resolution_met, breached: r.resolution_breached });
        if (r.first_response_met_share !== null) points.push({ date: day(r.week), sla: 'First response by fr_due_by', value: r.first_response_met_share, met: r.first_response_met, breached: r.first_response_breached });
      });
      if (points.length === 0) return null;
      return base(width, {
        x: { type: 'utc', label: 'Week of creation', interval: 'monday' },
        y: { label: 'SLA met (%)', percent: true, domain: [0, 100], grid: true },
        color: { legend: true, domain: ['Resolution by due_by', 'First response by fr_due_by'], range: ['#3b82c4', '#2a9d6f'] },
        marks: [
          Plot.lineY(points, { x: 'date', y: 'value', stroke: 'sla', z: 'sla' }),
          Plot.dot(points, { x: 'date', y: 'value', fill: 'sla', r: 3.5, className: 'marks-points', tip: true,
            title: function (d) { return 'Week of ' + isoDay(d.date) + ', ' + d.sla + ': ' + (100 * d.value).toFixed(1) + ' % met (' + d.met + ' met, ' + d.breached + ' breached)'; } }),
        ],
      });
    },
    'breaching': function (width) {
      if (T.breaching.length === 0) return null;
      var entries = sumBy(T.breaching, function (r) { return [r.priority_name, r.breach]; }, function () { return 1; })
        .map(function (e) { return { priority: e.parts[0], breach: e.parts[1], value: e.value }; });
      return base(width, {
        height: 60 + 34 * present(PRIORITIES, entries.map(function (e) { return e.priority; })).length,
        marginLeft: 72,
        y: { label: null, domain: present(PRIORITIES, entries.map(function (e) { return e.priority; })) },
        x: { label: 'Tickets breaching now', grid: true },
        color: { legend: true, domain: ['Resolution overdue', 'First response overdue'], range: ['#d6334a', '#f08a24'] },
        marks: [
          Plot.barX(entries, { y: 'priority', x: 'value', fill: 'breach', className: 'marks-points', tip: true,
            title: function (d) { return d.priority + ', ' + d.breach + ': ' + d.value + ' tickets'; } }),
          Plot.ruleX([0]),
        ],
      });
    },
    'handoffs': function (width) {
      var measures = [['reopens', 'Reopens'], ['reassignments', 'Reassignments (agent to agent)'], ['group_transfers', 'Group transfers']];
      var points = [];
      T.handoffs.forEach(function (r) {
        measures.forEach(function (m) { if (num(r[m[0]]) > 0) points.push({ date: day(r.week), measure: m[1], value: num(r[m[0]]), rate: r.reopen_rate, tickets: r.tickets }); });
      });
      if (points.length === 0) return null;
      return base(width, {
        x: { type: 'utc', label: 'Week of creation' },
        y: { label: 'Count', grid: true },
        color: { legend: true, domain: measures.map(function (m) { return m[1]; }), range: ['#d6334a', '#7c5cc4', '#2a9d6f'] },
        marks: [
          Plot.rectY(points, { x: 'date', interval: 'monday', y: 'value', fill: 'measure', inset: 1, className: 'marks-points', tip: true,
            title: function (d) { return 'Week of ' + isoDay(d.date) + ', ' + d.measure + ': ' + d.value + ' (' + d.tickets + ' tickets created; reopen rate ' + (d.rate === null ? 'n/a' : (100 * d.rate).toFixed(1) + ' %') + ')'; } }),
          Plot.ruleY([0]),
        ],
      });
    },
    'unassigned': function (width) {
      var points = [];
      T.handoffs.forEach(function (r) {
        if (r.p50_hours_unassigned !== null) points.push({ date: day(r.week), stat: 'p50', value: r.p50_hours_unassigned, never: r.never_assigned });
        if (r.p90_hours_unassigned !== null) points.push({ date: day(r.week), stat: 'p90', value: r.p90_hours_unassigned, never: r.never_assigned });
      });
      if (points.length === 0) return null;
      return base(width, {
        x: { type: 'utc', label: 'Week of creation' },
        y: { label: 'Hours until first assigned', grid: true },
        color: { legend: true, domain: ['p50', 'p90'], range: ['#3b82c4', '#f08a24'] },
        marks: [
          Plot.lineY(points, { x: 'date', y: 'value', stroke: 'stat', z: 'stat' }),
          Plot.dot(points, { x: 'date', y: 'value', fill: 'stat', r: 3.5, className: 'marks-points', tip: true,
            title: function (d) { return 'Week of ' + isoDay(d.date) + ', ' + d.stat + ': ' + hours(d.value) + ' (' + d.never + ' never assigned)'; } }),
          Plot.ruleY([0]),
        ],
      });
    },
    'groups': function (width) {
      if (T.groups.length === 0) return null;
      var statuses = [['open_tickets', 'Open'], ['pending_tickets', 'Pending'], ['custom_status_tickets', 'Custom statuses']];
      var order = T.groups.slice().sort(function (a, b) { return num(b.total_tickets) - num(a.total_tickets); }).map(function (r) { return groupLabel(r.group_id); });
      var points = [];
      T.groups.forEach(function (r) {
        statuses.forEach(function (s) { if (num(r[s[0]]) > 0) points.push({ group: groupLabel(r.group_id), status: s[1], value: num(r[s[0]]), unassigned: r.unassigned_tickets, urgent: r.urgent_tickets }); });
      });
      return base(width, {
        height: 60 + 26 * order.length,
        marginLeft: 170,
        y: { label: null, domain: order },
        x: { label: 'Unresolved tickets now', grid: true },
        color: { legend: true, domain: statuses.map(function (s) { return s[1]; }), range: ['#3b82c4', '#f0b429', '#8a9bb0'] },
        marks: [
          Plot.barX(points, { y: 'group', x: 'value', fill: 'status', className: 'marks-points', tip: true,
            title: function (d) { return d.group + ', ' + d.status + ': ' + d.value + ' (' + d.unassigned + ' unassigned, ' + d.urgent + ' urgent in the group)'; } }),
          Plot.ruleX([0]),
        ],
      });
    },
    'agents': function (width) {
      var top = T.agents.filter(function (r) { return r.responder_id !== null; })
        .sort(function (a, b) { return num(b.total_tickets) - num(a.total_tickets); }).slice(0, 20)
        .map(function (r) { return { agent: agentLabel(r), value: num(r.total_tickets), open: r.open_tickets, pending: r.pending_tickets, urgent: r.urgent_tickets }; });
      if (top.length === 0) return null;
      return base(width, {
        height: 60 + 22 * top.length,
        marginLeft: 170,
        y: { label: null, domain: top.map(function (d) { return d.agent; }) },
        x: { label: 'Unresolved tickets assigned now', grid: true },
        marks: [
          Plot.barX(top, { y: 'agent', x: 'value', fill: '#3b82c4', className: 'marks-points', tip: true,
            title: function (d) { return d.agent + ': ' + d.value + ' (' + d.open + ' open, ' + d.pending + ' pending, ' + d.urgent + ' urgent)'; } }),
          Plot.ruleX([0]),
        ],
      });
    },
  };

  function createdBy(width, column, label) {
    if (T.created.length === 0) return null;
    var rows = sumBy(T.created, function (r) { return [r.created_day, r[column] === null ? 'None' : r[column]]; }, function (r) { return num(r.tickets); })
      .map(function (e) { return { date: day(e.parts[0]), series: e.parts[1], value: e.value }; });
    return base(width, {
      x: dailyX(rows),
      y: { label: 'Tickets created per day', grid: true },
      color: { legend: true, type: 'ordinal', scheme: 'observable10', label: label },
      marks: [
        Plot.rectY(rows, { x: 'date', interval: 'day', y: 'value', fill: 'series', inset: dayInset(rows), className: 'marks-points', tip: true,
          title: function (d) { return isoDay(d.date) + ', ' + d.series + ': ' + d.value + ' tickets'; } }),
        Plot.ruleY([0]),
      ],
    });
  }

  function weeklyHours(width, metric, label) {
    var points = T.responseTimes.filter(function (r) { return r.scope === 'week-priority' && r['p50_' + metric + '_hours'] !== null; })
      .map(function (r) { return { date: day(r.week), priority: r.priority_name, value: r['p50_' + metric + '_hours'], p90: r['p90_' + metric + '_hours'], tickets: r.tickets }; });
    if (points.length === 0) return null;
    return base(width, {
      x: { type: 'utc', label: 'Week of creation' },
      y: { label: label, grid: true },
      color: priorityScale(points.map(function (p) { return p.priority; })),
      marks: [
        Plot.lineY(points, { x: 'date', y: 'value', stroke: 'priority', z: 'priority' }),
        Plot.dot(points, { x: 'date', y: 'value', fill: 'priority', r: 3.5, className: 'marks-points', tip: true,
          title: function (d) { return 'Week of ' + isoDay(d.date) + ', ' + d.priority + ': p50 ' + hours(d.value) + ', p90 ' + hours(d.p90) + ' (' + d.tickets + ' tickets)'; } }),
        Plot.ruleY([0]),
      ],
    });
  }

  document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
    var body = figure.querySelector('.chart-body');
    var build = charts[figure.getAttribute('data-chart')];
    currentFigure = figure;
    var chart = build ? build(body.clientWidth || 640) : null;
    currentFigure = null;
    if (chart) {
      body.appendChild(chart);
      figure.setAttribute('data-rendered', 'true');
    } else {
      var empty = document.createElement('p');
      empty.className = 'empty';
      empty.textContent = figure.getAttribute('data-empty') || 'No data in this period.';
      body.appendChild(empty);
      figure.setAttribute('data-rendered', 'empty');
    }
  });
  document.documentElement.setAttribute('data-report-ready', 'true');
})();
`;
