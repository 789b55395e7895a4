/**
 * The report as ONE self-contained HTML file: styles, data, the chart library and the script that
 * draws the charts are all inline, so the file opens offline and makes no network request. The
 * headline numbers and the urgent-tickets table are plain HTML (readable without scripts, and in
 * print); the charts are drawn by Observable Plot when the page opens.
 */
import type { ChartLibrary } from './assets';
import { inlineScriptText } from './assets';
import { jsonForScriptElement, type EncodedTable } from './encode';
import type { HeadlineNumbers } from './headline';
import { PAGE_SCRIPT } from './page-script';
import type { ReportPeriod } from './sections';
import type { RowValue } from '../engines/engine';

export interface ReportPageModel {
  readonly title: string;
  /** ISO time the report was made. */
  readonly generatedAt: string;
  readonly period: ReportPeriod;
  /** Where the data came from, e.g. "local lake .freshlake/lake" or "Athena database freshlake". */
  readonly source: string;
  readonly headline: HeadlineNumbers;
  /** Encoded query results by section id. */
  readonly data: Readonly<Record<string, EncodedTable>>;
  /** Query descriptions by query name: each chart shows the definition it is drawn from. */
  readonly definitions: Readonly<Record<string, string>>;
  /** Urgent unassigned tickets for the table (subject only when allowed). */
  readonly urgentTickets: readonly Record<string, RowValue>[];
  readonly subjects: boolean;
  /** One line about the queries: how long they took, and on Athena what they scanned and cost. */
  readonly queriesNote: string;
}

/** One chart of the page: which query draws it and what its axes mean. */
interface ChartSpec {
  readonly id: string;
  readonly query: string;
  readonly title: string;
  readonly caption: string;
  readonly empty?: string;
}

const SECTIONS: readonly { readonly title: string; readonly charts: readonly ChartSpec[] }[] = [
  {
    title: 'Backlog',
    charts: [
      { id: 'backlog-priority', query: 'daily-ticket-history', title: 'Unresolved tickets at the end of each day, by priority', caption: 'Stacked by priority; the line and dots are the total (one dot per day).' },
      { id: 'backlog-group', query: 'daily-ticket-history', title: 'Unresolved tickets at the end of each day, by group', caption: 'One line per agent group.' },
    ],
  },
  {
    title: 'Incoming and resolved',
    charts: [
      { id: 'created-channel', query: 'tickets-created-by-day', title: 'Tickets created per day, by channel', caption: 'One bar segment per day and channel.' },
      { id: 'created-type', query: 'tickets-created-by-day', title: 'Tickets created per day, by type', caption: 'One bar segment per day and ticket type.' },
      { id: 'resolved', query: 'tickets-resolved-by-day', title: 'Resolutions per day, by priority', caption: 'One bar segment per day and priority.' },
    ],
  },
  {
    title: 'Response and resolution times',
    charts: [
      {
        id: 'first-response',
        query: 'response-times-by-week',
        title: 'First response time per week of creation, by priority (median; p90 in the tooltip)',
        caption: 'Hours from creation to the first agent response (ticket stats from freshlake sync).',
        empty: 'No first-response data in this period: the first response time comes from the ticket stats that freshlake sync brings; a lake fed by events alone does not have it.',
      },
      { id: 'resolution-time', query: 'response-times-by-week', title: 'Resolution time per week of creation, by priority (median; p90 in the tooltip)', caption: 'Hours from creation to the first Resolved or Closed.' },
    ],
  },
  {
    title: 'SLA',
    charts: [
      { id: 'sla-met', query: 'sla-by-week', title: 'Share of tickets meeting their SLA, per week of creation', caption: 'Resolved by due_by, and first-responded by fr_due_by; tickets not yet due are not counted.' },
      { id: 'breaching', query: 'sla-breaching-now', title: 'Tickets breaching an SLA now, by priority', caption: 'Unresolved tickets past due_by, or without a first response past fr_due_by.', empty: 'No ticket is breaching an SLA now.' },
    ],
  },
  {
    title: 'Reopens, hand-offs and waiting for an agent',
    charts: [
      { id: 'handoffs', query: 'reopens-and-handoffs-by-week', title: 'Reopens, reassignments and group transfers per week of creation', caption: 'Reopen rate in the tooltip.' },
      { id: 'unassigned', query: 'reopens-and-handoffs-by-week', title: 'Time until a ticket is first assigned, per week of creation', caption: 'Hours from creation to the first responder, p50 and p90.' },
    ],
  },
  {
    title: 'Workload now',
    charts: [
      { id: 'groups', query: 'group-workload', title: 'Unresolved tickets per group now, by status', caption: 'Groups by name where the dimensions are synced.', empty: 'No unresolved tickets.' },
      { id: 'agents', query: 'agent-workload', title: 'Unresolved tickets per agent now (top 20)', caption: 'Agents by name where the dimensions are synced.', empty: 'No ticket is assigned to an agent.' },
    ],
  },
];

/** Every chart id of the page, in order. */
export const REPORT_CHART_IDS: readonly string[] = SECTIONS.flatMap((s) => s.charts.map((c) => c.id));

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const formatInteger = (n: number) => n.toLocaleString('en-US');
const formatHours = (h: number | null) => (h === null ? 'no data' : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`);
const formatShare = (s: number | null) => (s === null ? 'no data' : `${(s * 100).toFixed(1)} %`);
const formatChange = (n: number) => (n > 0 ? `+${formatInteger(n)}` : n < 0 ? `−${formatInteger(-n)}` : '±0');

function tile(id: string, label: string, value: string, raw: number | null, detail: string, tone = ''): string {
  return (
    `<div class="tile${tone ? ` ${tone}` : ''}" data-headline="${id}" data-value="${raw === null ? '' : raw}">` +
    `<div class="tile-value">${escapeHtml(value)}</div><div class="tile-label">${escapeHtml(label)}</div>` +
    `<div class="tile-detail">${escapeHtml(detail)}</div></div>`
  );
}

function headlineTiles(h: HeadlineNumbers, period: ReportPeriod): string {
  return [
    tile('backlog-now', `Unresolved at the end of ${period.to}`, formatInteger(h.backlogNow), h.backlogNow, `${formatChange(h.backlogChange)} since the end of ${period.from}`, h.backlogChange > 0 ? 'worse' : h.backlogChange < 0 ? 'better' : ''),
    tile('backlog-change', 'Backlog change over the period', formatChange(h.backlogChange), h.backlogChange, `from ${formatInteger(h.backlogAtStart)} to ${formatInteger(h.backlogNow)}`),
    tile('urgent-unassigned', 'Urgent and unassigned', formatInteger(h.urgentUnassigned), h.urgentUnassigned, 'unresolved, no agent', h.urgentUnassigned > 0 ? 'worse' : ''),
    tile('breaching-now', 'Breaching an SLA now', formatInteger(h.breachingNow), h.breachingNow, 'tickets past a due time', h.breachingNow > 0 ? 'worse' : ''),
    tile('median-first-response', 'Median first response', formatHours(h.medianFirstResponseHours), h.medianFirstResponseHours, 'tickets created in the period'),
    tile('median-resolution', 'Median resolution time', formatHours(h.medianResolutionHours), h.medianResolutionHours, 'tickets created in the period'),
    tile('resolution-sla-met', 'Resolution SLA met', formatShare(h.resolutionSlaMet), h.resolutionSlaMet, 'resolved by due_by'),
    tile('first-response-sla-met', 'First response SLA met', formatShare(h.firstResponseSlaMet), h.firstResponseSlaMet, 'answered by fr_due_by'),
    tile('created', 'Tickets created', formatInteger(h.created), h.created, 'in the period'),
    tile('resolutions', 'Resolutions', formatInteger(h.resolutions), h.resolutions, 'in the period'),
  ].join('\n');
}

function chartFigure(chart: ChartSpec, definitions: Readonly<Record<string, string>>): string {
  const definition = definitions[chart.query] ?? '';
  return `<figure class="chart" data-chart="${chart.id}" data-query="${chart.query}"${chart.empty ? ` data-empty="${escapeHtml(chart.empty)}"` : ''}>
  <h3>${escapeHtml(chart.title)}</h3>
  <div class="chart-body"></div>
  <figcaption>${escapeHtml(chart.caption)} <details><summary>Definition (saved query <code>${escapeHtml(chart.query)}</code>)</summary><p>${escapeHtml(definition)}</p></details></figcaption>
</figure>`;
}

function cell(value: RowValue | undefined): string {
  return escapeHtml(value === null || value === undefined ? '' : String(value));
}

function urgentTable(rows: readonly Record<string, RowValue>[], subjects: boolean, definition: string): string {
  const columns: [string, string][] = [
    ['ticket_id', 'Ticket'],
    ...(subjects ? ([['subject', 'Subject']] as [string, string][]) : []),
    ['status_name', 'Status'],
    ['channel_name', 'Channel'],
    ['group', 'Group'],
    ['created_at', 'Created (UTC)'],
    ['due_by', 'Due (UTC)'],
  ];
  const body =
    rows.length === 0
      ? `<tr><td colspan="${columns.length}" class="empty">No urgent ticket is waiting without an agent.</td></tr>`
      : rows
          .map((r) => {
            const named = r.group_name !== null && r.group_name !== undefined && r.group_name !== String(r.group_id);
            const group = named ? r.group_name : r.group_id === null || r.group_id === undefined ? '' : `Group ${r.group_id}`;
            return `<tr>${columns.map(([key]) => `<td>${cell(key === 'group' ? group : r[key])}</td>`).join('')}</tr>`;
          })
          .join('\n');
  return `<section class="urgent" aria-labelledby="urgent-title">
<h2 id="urgent-title">Urgent tickets nobody owns</h2>
<p class="definition">${escapeHtml(definition)}${subjects ? '' : ' Subjects are left out of this file (--no-subjects).'}</p>
<table data-table="urgent"><thead><tr>${columns.map(([, label]) => `<th scope="col">${escapeHtml(label)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
</section>`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2330; --muted: #5b6475; --card: #f5f7fa; --border: #dde2ea; --accent: #3b82c4; --bad: #c42b40; --good: #23855d; --plot-background: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171d; --fg: #e6e9ef; --muted: #9aa3b2; --card: #1e232c; --border: #323946; --accent: #6aa8e0; --bad: #f0707f; --good: #5fc79a; --plot-background: #1e232c; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 22px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.meta, .definition, figcaption, footer { color: var(--muted); font-size: 12.5px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin: 16px 0 6px; }
.tile { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; }
.tile-value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.tile.worse .tile-value { color: var(--bad); }
.tile.better .tile-value { color: var(--good); }
.tile-label { font-weight: 600; }
.tile-detail { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px; min-width: 0; color: var(--fg); }
figure.chart svg { max-width: 100%; height: auto; }
figcaption details { display: inline; }
figcaption summary { display: inline; cursor: pointer; color: var(--accent); }
figcaption details[open] p { margin: 6px 0 0; }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-weight: 600; }
td:first-child { font-variant-numeric: tabular-nums; }
footer { padding-top: 24px; padding-bottom: 30px; }
code { font-size: 12px; }
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #333333; --card: #ffffff; --border: #bbbbbb; --plot-background: #ffffff; color-scheme: light; }
  body { font-size: 11px; }
  header, main, footer { max-width: none; padding: 0; }
  .charts { display: block; }
  figure.chart { break-inside: avoid; page-break-inside: avoid; margin-bottom: 10px; border: none; padding: 0; }
  .tiles { grid-template-columns: repeat(5, 1fr); }
  .tile { break-inside: avoid; }
  figcaption details { display: none; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
`;

export function renderReportHtml(model: ReportPageModel, library: ChartLibrary): string {
  const sections = SECTIONS.map(
    (section) => `<section><h2>${escapeHtml(section.title)}</h2><div class="charts">
${section.charts.map((c) => chartFigure(c, model.definitions)).join('\n')}
</div></section>`,
  ).join('\n');
  const pageData = { period: model.period, data: model.data };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">${escapeHtml(model.period.from)} to ${escapeHtml(model.period.to)} (UTC days) · ${escapeHtml(model.source)} · made ${escapeHtml(model.generatedAt.replace('T', ' ').slice(0, 16))} UTC by freshlake report</p>
</header>
<main>
<section aria-label="Headline numbers"><div class="tiles">
${headlineTiles(model.headline, model.period)}
</div></section>
${sections}
${urgentTable(model.urgentTickets, model.subjects, model.definitions['urgent-unassigned'] ?? '')}
</main>
<footer>
<p>${escapeHtml(model.queriesNote)}</p>
<p>Every number comes from a saved query in freshlake's queries/ folder, the same SQL on Athena and on the local engine; the definitions are under each chart and in docs/metrics.md. No requester names or e-mails are in this file${model.subjects ? '; ticket subjects appear only in the urgent-tickets table' : ', and no ticket subjects'}.</p>
</footer>
<script type="application/json" id="report-data">${jsonForScriptElement(pageData)}</script>
${library.scripts.map((s) => `<script data-library="${escapeHtml(s.name)}">${inlineScriptText(s.text)}</script>`).join('\n')}
<script>${inlineScriptText(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
