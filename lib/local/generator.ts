/**
 * Realistic Freshdesk ticket lifecycles as partner events in the full EventBridge envelope.
 *
 * Each ticket is a small discrete-event simulation: created (onTicketCreate), assigned after a
 * delay that depends on its priority, put on hold and answered, escalated when an SLA passes,
 * resolved, sometimes reopened, closed; a few are spam, a few urgent ones are left unassigned.
 * Every change is one onTicketUpdate carrying the whole ticket and `changes` {field: [old, new]}.
 * Delivery is simulated too: a few event ids arrive twice and a few updates arrive after the
 * next update of their ticket, as at-least-once delivery does.
 *
 * Reproducible: all randomness comes from one seeded generator, so the same options give the
 * same bytes. Lazy: tickets are simulated in creation order and events leave through a heap
 * ordered by delivery time, so memory holds only the tickets still in flight.
 *
 * The simulation also records each ticket's GROUND TRUTH (final state, first assignment,
 * resolution, reopens) from its own state, independently of the events, so end-to-end tests can
 * check the lake's answers against it.
 */
import { BACKLOG_STATUSES, DONE_STATUSES, TICKET_STATUS } from '../freshdesk-codes';
import { utcDay } from '../lake-layout';
import { SeededRandom } from './seeded-random';
import { validateGenerateOptions } from './generate-options';
import {
  AGENT_GROUPS,
  CUSTOM_STATUS,
  FIRST_RESPONSE_SLA,
  LANGUAGES,
  LANGUAGE_WEIGHTS,
  PLANS,
  RESOLUTION_SLA,
  TAGS_BY_TYPE,
  type AgentGroup,
  type Language,
  type TicketType,
} from './helpdesk-catalog';

export { validateGenerateOptions };
export type { TicketType } from './helpdesk-catalog';

const SECOND = 1;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface GenerateOptions {
  /** First UTC day of ticket creation, YYYY-MM-DD. */
  readonly from: string;
  /** Last UTC day of ticket creation (included), YYYY-MM-DD. */
  readonly to: string;
  /** Average tickets created per day (weekdays get more, weekends fewer). */
  readonly ticketsPerDay: number;
  /** Seed of the pseudo-random generator: the same seed and options give the same bytes. */
  readonly seed: string | number;
  /**
   * Freshdesk account number in the partner event source name.
   * @default '1342406'
   */
  readonly freshdeskAccount?: string;
  /**
   * AWS account the events are delivered to (envelope `account`).
   * @default '111122223333'
   */
  readonly awsAccount?: string;
  /**
   * AWS region (envelope `region`).
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Nothing happens at or after this instant (epoch ms): tickets still open then stay open.
   * @default the end of the `to` day
   */
  readonly until?: number;
  /**
   * Stop after this many events.
   * @default no limit
   */
  readonly maxEvents?: number;
  /**
   * Id of the first ticket; the others follow in creation order.
   * @default 1000
   */
  readonly firstTicketId?: number;
  /**
   * Share of events delivered twice (same id, same bytes), as at-least-once delivery does.
   * @default 0.005
   */
  readonly duplicateRate?: number;
  /**
   * Share of updates delivered after the next update of the same ticket.
   * @default 0.01
   */
  readonly outOfOrderRate?: number;
  /**
   * Share of tickets whose payloads use the variant shapes of product.md (attachment objects,
   * to_emails array, numeric phone/mobile/email_config_id, custom_fields object).
   * @default 0.03
   */
  readonly variantRate?: number;
}

/** One generated event, ready to write as a JSONL line. */
export interface GeneratedEvent {
  /** EventBridge event id. */
  readonly id: string;
  readonly detailType: 'onTicketCreate' | 'onTicketUpdate';
  readonly ticketId: number;
  /** Envelope `time`, ISO-8601 UTC. */
  readonly time: string;
  /** The whole event as JSON text, without a trailing newline. */
  readonly json: string;
  /** True for the second delivery of an event id. */
  readonly duplicate: boolean;
}

/** What really happened to one ticket, from the simulation's own state (not from its events). */
export interface TicketGroundTruth {
  readonly id: number;
  readonly type: TicketType;
  /** Ticket `source` code (the channel). */
  readonly channel: number;
  readonly requesterId: number;
  /** Epoch ms of `created_at`. */
  readonly createdAtMs: number;
  /** UTC day of `created_at`. */
  readonly createdDay: string;
  /** UTC day of the onTicketCreate event's `time` (its dt partition). */
  readonly createEventDay: string;
  // Latest state (after the last change before the horizon).
  readonly status: number;
  readonly priority: number;
  readonly responderId: number | null;
  readonly groupId: number;
  readonly spam: boolean;
  readonly isEscalated: boolean;
  readonly frEscalated: boolean;
  readonly tags: readonly string[];
  readonly dueByMs: number;
  readonly frDueByMs: number;
  /** Epoch ms of the latest `updated_at`. */
  readonly updatedAtMs: number;
  /** `updated_at` / event time (epoch ms) of the first event with a responder; null if never assigned. */
  readonly firstAssignedAtMs: number | null;
  readonly firstAssignedEventTimeMs: number | null;
  /** `updated_at` / event time (epoch ms) of the first event with status Resolved or Closed. */
  readonly firstResolvedAtMs: number | null;
  readonly firstResolvedEventTimeMs: number | null;
  /** Status changes from Resolved/Closed back to Open/Pending. */
  readonly reopenCount: number;
  /** Each reopen: `updated_at` and event time (epoch ms) of the update that reopened the ticket. */
  readonly reopens: readonly TimedChange[];
  /** Each escalation: the SLA flags turning true, and priority raises. */
  readonly escalations: readonly (TimedChange & { readonly kind: EscalationKind })[];
  /** Responder changes from one agent to another. */
  readonly reassignmentCount: number;
  /** Distinct event ids of this ticket, in event order. */
  readonly eventIds: readonly string[];
  /** Every state the ticket was in, in order: from its `updated_at` until the next one's (the daily backlog's truth). */
  readonly states: readonly TicketStateChange[];
}

/** One state of a ticket, as the simulation held it from `updatedAtMs` on. */
export interface TicketStateChange {
  readonly updatedAtMs: number;
  readonly status: number;
  readonly priority: number;
  readonly groupId: number;
  readonly responderId: number | null;
  readonly spam: boolean;
}

/** When a change happened: the update's `updated_at` and its event `time`, epoch ms. */
export interface TimedChange {
  readonly updatedAtMs: number;
  readonly eventTimeMs: number;
}

export type EscalationKind = 'resolution-sla' | 'first-response-sla' | 'priority-raised';

/** Ticket types, in the weights a general helpdesk sees. */
const TYPE_WEIGHTS: readonly (readonly [TicketType, number])[] = [
  ['Question', 35],
  ['Incident', 22],
  ['Refund', 18],
  ['Problem', 14],
  ['Feature Request', 11],
];

/** Priority mix per type: incidents skew urgent, feature requests low. */
const PRIORITY_WEIGHTS: Readonly<Record<TicketType, readonly (readonly [number, number])[]>> = {
  Refund: [[1, 20], [2, 50], [3, 22], [4, 8]],
  Question: [[1, 45], [2, 45], [3, 8], [4, 2]],
  Incident: [[1, 5], [2, 30], [3, 40], [4, 25]],
  Problem: [[1, 15], [2, 45], [3, 30], [4, 10]],
  'Feature Request': [[1, 60], [2, 35], [3, 5]],
};

/** Channels (ticket `source`), legacy social channels included at a trickle. */
const CHANNEL_WEIGHTS: readonly (readonly [number, number])[] = [
  [1, 38], [2, 20], [7, 20], [3, 10], [9, 6], [10, 3], [5, 1], [6, 1], [4, 1],
];

/** Share of tickets per UTC hour: business hours dominate. */
const HOUR_WEIGHTS: readonly number[] = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 9, 10, 10, 9, 7, 5, 4, 3, 2, 2, 1];


/** Median time to assignment and from assignment to resolution, by priority (seconds). */
const ASSIGNMENT_MEDIAN: Readonly<Record<number, number>> = { 1: 5 * HOUR, 2: 2 * HOUR, 3: 40 * MINUTE, 4: 10 * MINUTE };
const RESOLUTION_MEDIAN: Readonly<Record<number, number>> = { 1: 48 * HOUR, 2: 30 * HOUR, 3: 16 * HOUR, 4: 3 * HOUR };

/** Urgent tickets nobody picks up for days are what `urgent-unassigned` exists for. */
const NEGLECT_PROBABILITY: Readonly<Record<number, number>> = { 1: 0.03, 2: 0.03, 3: 0.04, 4: 0.12 };

type Changes = Record<string, unknown>;

interface Requester {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly mobile: string | null;
  readonly language: Language;
  readonly createdAt: string;
  readonly companyId: number | null;
}

interface TicketState {
  readonly id: number;
  readonly type: TicketType;
  readonly channel: number;
  readonly subject: string;
  readonly body: string;
  readonly requester: Requester;
  readonly variant: boolean;
  readonly createdAt: number;
  readonly createdAtText: string;
  readonly dueByText: string;
  readonly frDueByText: string;
  readonly dueBy: number;
  readonly frDueBy: number;
  readonly customFields: Record<string, string | null>;
  readonly attachments: readonly unknown[];
  readonly ccEmails: readonly string[];
  status: number;
  priority: number;
  groupId: number;
  responderId: number | null;
  tags: string[];
  spam: boolean;
  isEscalated: boolean;
  frEscalated: boolean;
  updatedAt: number;
}

/** Names of statuses as Freshdesk sends them in `changes.status_details`. */
function statusName(status: number): string {
  return status === CUSTOM_STATUS.id ? CUSTOM_STATUS.name : (TICKET_STATUS as Record<number, string>)[status] ?? `Status ${status}`;
}

/** ISO-8601 UTC without milliseconds, as Freshdesk writes timestamps. */
function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19) + 'Z';
}

function groupForType(type: TicketType): AgentGroup {
  return AGENT_GROUPS.find((g) => g.types.includes(type))!;
}

/** Strips accents for e-mail local parts; scripts without Latin letters get a numbered address. */
function emailLocalPart(first: string, last: string, id: number): string {
  const ascii = `${first}.${last}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').toLowerCase();
  return /^[a-z.'-]+$/.test(ascii) ? ascii.replace(/'/g, '') : `customer${id}`;
}

/** Settings shared by every ticket of one run. */
interface RunContext {
  readonly rng: SeededRandom;
  readonly seed: string;
  readonly source: string;
  readonly awsAccount: string;
  readonly region: string;
  readonly horizon: number;
  readonly duplicateRate: number;
  readonly outOfOrderRate: number;
  readonly variantRate: number;
  readonly requesterPoolSize: number;
  readonly requesters: Map<number, Requester>;
}

/** Requesters come from their own seeded stream, so a requester is the same whichever ticket meets it first. */
function requesterAt(context: RunContext, index: number): Requester {
  const cached = context.requesters.get(index);
  if (cached) return cached;
  const rng = new SeededRandom(`${context.seed}/requester/${index}`);
  const language = LANGUAGES[rng.weighted(LANGUAGES.map((l, i) => [i, LANGUAGE_WEIGHTS[i]] as const))];
  const first = rng.pick(language.firstNames);
  const last = rng.pick(language.lastNames);
  const id = 20000090000 + index;
  // Japanese names are written family name first.
  const name = language.code === 'ja' ? `${last} ${first}` : `${first} ${last}`;
  const requester: Requester = {
    id,
    name,
    email: `${emailLocalPart(first, last, id)}@${language.emailDomain}`,
    phone: rng.chance(0.4) ? `+1 555 01${String(rng.int(0, 99)).padStart(2, '0')}` : null,
    mobile: rng.chance(0.3) ? `+1 555 02${String(rng.int(0, 99)).padStart(2, '0')}` : null,
    language,
    createdAt: isoSeconds(Date.UTC(2023, 0, 1) / 1000 + rng.int(0, 900) * DAY + rng.int(0, DAY - 1)),
    companyId: rng.chance(0.3) ? 20000055000 + rng.int(0, 199) : null,
  };
  // Bounded cache: requesters are cheap to rebuild and a year of tickets must not pin them all.
  if (context.requesters.size > 50_000) context.requesters.clear();
  context.requesters.set(index, requester);
  return requester;
}

/** An event of one ticket before delivery ordering. */
interface SimulatedEvent {
  readonly event: GeneratedEvent;
  /** Event time, epoch seconds. */
  readonly timeSeconds: number;
}

/** One scheduled step of a ticket's life. */
interface Action {
  readonly at: number;
  readonly order: number;
  readonly run: () => void;
}

/**
 * Simulates one ticket from creation to the horizon; returns its events in event-time order and
 * its ground truth.
 */
function simulateTicket(context: RunContext, id: number, createdAt: number): { events: SimulatedEvent[]; truth: TicketGroundTruth } {
  const { rng, horizon } = context;
  const type = rng.weighted(TYPE_WEIGHTS);
  const priority = rng.weighted(PRIORITY_WEIGHTS[type]);
  const channel = rng.weighted(CHANNEL_WEIGHTS);
  const requester = requesterAt(context, rng.int(0, context.requesterPoolSize - 1));
  const [subjectTemplate, bodyTemplate] = rng.pick(requester.language.texts[type]);
  const orderNumber = String(rng.int(1000, 99999));
  const group = groupForType(type);
  const variant = rng.chance(context.variantRate);
  const frDueBy = createdAt + FIRST_RESPONSE_SLA[priority];
  const dueBy = createdAt + RESOLUTION_SLA[priority];
  const customFields: Record<string, string | null> = {
    cf_order_number: type === 'Refund' || rng.chance(0.2) ? orderNumber : null,
    cf_plan: rng.pick(PLANS),
  };
  const state: TicketState = {
    id,
    type,
    channel,
    subject: subjectTemplate.replace('{n}', orderNumber),
    body: bodyTemplate.replace('{n}', orderNumber),
    requester,
    variant,
    createdAt,
    createdAtText: isoSeconds(createdAt),
    dueBy,
    frDueBy,
    dueByText: isoSeconds(dueBy),
    frDueByText: isoSeconds(frDueBy),
    customFields,
    attachments: variant && rng.chance(0.7) ? [attachmentObject(rng, createdAt)] : [],
    ccEmails: rng.chance(0.1) ? [`manager@${requester.language.emailDomain}`] : [],
    status: 2,
    priority,
    groupId: group.id,
    // Agents log phone calls and send outbound e-mail themselves: those tickets start assigned.
    responderId: channel === 10 || (channel === 3 && rng.chance(0.6)) ? rng.pick(group.agentIds) : null,
    tags: rng.chance(0.5) ? [rng.pick(TAGS_BY_TYPE[type])] : [],
    spam: false,
    isEscalated: false,
    frEscalated: false,
    updatedAt: createdAt,
  };

  const events: SimulatedEvent[] = [];
  const eventIds: string[] = [];
  const states: TicketStateChange[] = [];
  let firstAssignedAt: number | null = null;
  let firstAssignedEventTime: number | null = null;
  let firstResolvedAt: number | null = null;
  let firstResolvedEventTime: number | null = null;
  let reopenCount = 0;
  let reassignmentCount = 0;
  const reopens: TimedChange[] = [];
  const escalations: (TimedChange & { kind: EscalationKind })[] = [];

  const emit = (detailType: GeneratedEvent['detailType'], timeSeconds: number, changes: Changes | undefined) => {
    const eventId = rng.uuid();
    const time = isoSeconds(timeSeconds);
    const json = JSON.stringify({
      version: '0',
      id: eventId,
      'detail-type': detailType,
      source: context.source,
      account: context.awsAccount,
      time,
      region: context.region,
      resources: [],
      detail: { ticket: ticketPayload(state, changes), requester: requesterPayload(requester, variant) },
    });
    events.push({ event: { id: eventId, detailType, ticketId: id, time, json, duplicate: false }, timeSeconds });
    eventIds.push(eventId);
    states.push({ updatedAtMs: state.updatedAt * 1000, status: state.status, priority: state.priority, groupId: state.groupId, responderId: state.responderId, spam: state.spam });
    if (state.responderId !== null && firstAssignedAt === null) {
      firstAssignedAt = state.updatedAt;
      firstAssignedEventTime = timeSeconds;
    }
    if (DONE_STATUSES.includes(state.status) && firstResolvedAt === null) {
      firstResolvedAt = state.updatedAt;
      firstResolvedEventTime = timeSeconds;
    }
    if (changes) {
      const when = { updatedAtMs: state.updatedAt * 1000, eventTimeMs: timeSeconds * 1000 };
      const [oldStatus, newStatus] = (changes.status as [number, number] | undefined) ?? [];
      if (oldStatus !== undefined && newStatus !== undefined && DONE_STATUSES.includes(oldStatus) && BACKLOG_STATUSES.includes(newStatus)) reopens.push(when);
      if (changes.is_escalated) escalations.push({ ...when, kind: 'resolution-sla' });
      if (changes.fr_escalated) escalations.push({ ...when, kind: 'first-response-sla' });
      const [oldPriority, newPriority] = (changes.priority as [number, number] | undefined) ?? [];
      if (oldPriority !== undefined && newPriority !== undefined && newPriority > oldPriority) escalations.push({ ...when, kind: 'priority-raised' });
    }
  };

  // The partner event leaves Freshdesk about a second after the ticket is saved.
  emit('onTicketCreate', createdAt + 1, undefined);

  /**
   * Applies one change at `at` (or one second after the previous change: updated_at strictly
   * increases per ticket, so "latest state" is never ambiguous). Nothing happens at or after
   * the horizon. `change` mutates the state and returns the `changes` map, or undefined if the
   * step no longer applies.
   */
  const update = (at: number, change: () => Changes | undefined): boolean => {
    const updatedAt = Math.max(Math.floor(at), state.updatedAt + 1);
    if (updatedAt >= horizon) return false;
    const changes = change();
    if (!changes) return false;
    state.updatedAt = updatedAt;
    emit('onTicketUpdate', updatedAt + rng.int(0, 2), changes);
    return true;
  };

  const setStatus = (status: number, changes: Changes = {}): Changes => {
    const old = state.status;
    if (DONE_STATUSES.includes(old) && BACKLOG_STATUSES.includes(status)) reopenCount++;
    state.status = status;
    changes.status = [old, status];
    changes.status_details = [
      { id: old, name: statusName(old) },
      { id: status, name: statusName(status) },
    ];
    return changes;
  };

  const setResponder = (responderId: number, changes: Changes = {}): Changes => {
    if (state.responderId !== null && state.responderId !== responderId) reassignmentCount++;
    changes.responder_id = [state.responderId, responderId];
    state.responderId = responderId;
    return changes;
  };

  // A tiny discrete-event loop: steps run in time order and check the state they find.
  const agenda: Action[] = [];
  let order = 0;
  const schedule = (at: number, run: () => void) => {
    if (at >= horizon) return;
    agenda.push({ at, order: order++, run });
  };
  const isOpenWork = () => !state.spam && !DONE_STATUSES.includes(state.status);

  // Spam is recognised early and closed without an agent.
  const isSpam = [1, 2, 9].includes(channel) && rng.chance(0.01);
  if (isSpam) {
    const spamAt = createdAt + rng.int(5 * MINUTE, HOUR);
    schedule(spamAt, () =>
      update(spamAt, () => {
        state.spam = true;
        return setStatus(5, { spam: [false, true] });
      }),
    );
  }

  // SLA escalations: Freshdesk flags tickets when a target passes.
  schedule(frDueBy, () =>
    update(frDueBy, () => {
      if (state.responderId !== null || state.spam || !isOpenWork()) return undefined;
      state.frEscalated = true;
      const changes: Changes = { fr_escalated: [false, true] };
      if (state.priority < 4 && rng.chance(0.3)) {
        changes.priority = [state.priority, state.priority + 1];
        state.priority++;
      }
      return changes;
    }),
  );
  schedule(dueBy, () =>
    update(dueBy, () => {
      if (!isOpenWork()) return undefined;
      state.isEscalated = true;
      return { is_escalated: [false, true] };
    }),
  );

  const resolveAndMaybeReopen = (resolveAt: number, reopenChance: number) => {
    schedule(resolveAt, () => {
      const resolved = update(resolveAt, () => (isOpenWork() ? setStatus(4) : undefined));
      if (!resolved) return;
      const resolvedAt = state.updatedAt;
      if (rng.chance(reopenChance)) {
        // The customer answers the resolution: the ticket opens again and goes back to work.
        const reopenAt = resolvedAt + rng.logNormal(20 * HOUR, 0.8);
        schedule(reopenAt, () => {
          const reopened = update(reopenAt, () => (state.status === 4 || state.status === 5 ? setStatus(2) : undefined));
          if (reopened) resolveAndMaybeReopen(state.updatedAt + rng.logNormal(8 * HOUR, 0.8), 0.2);
        });
      }
      if (rng.chance(0.75)) {
        // Automations close resolved tickets after about two days.
        const closeAt = resolvedAt + rng.logNormal(48 * HOUR, 0.3);
        schedule(closeAt, () => update(closeAt, () => (state.status === 4 && state.updatedAt === resolvedAt ? setStatus(5) : undefined)));
      }
    });
  };

  /** The work on a ticket once an agent has it: holds, answers, reassignment, resolution. */
  const planWork = (assignedAt: number) => {
    const resolveAt = assignedAt + rng.logNormal(RESOLUTION_MEDIAN[state.priority], 1.0);
    const span = resolveAt - assignedAt;
    let holds = rng.chance(0.35) ? (rng.chance(0.4) ? 2 : 1) : 0;
    let cursor = assignedAt;
    while (holds-- > 0) {
      const holdAt = cursor + span * rng.next() * 0.4;
      const answerAt = holdAt + rng.logNormal(4 * HOUR, 0.8);
      if (answerAt >= resolveAt) break;
      schedule(holdAt, () => update(holdAt, () => (state.status === 2 && isOpenWork() ? setStatus(3) : undefined)));
      schedule(answerAt, () => update(answerAt, () => (state.status === 3 && isOpenWork() ? setStatus(2) : undefined)));
      cursor = answerAt;
    }
    if (rng.chance(0.03)) {
      const waitAt = assignedAt + span * 0.5;
      const backAt = waitAt + span * 0.3;
      schedule(waitAt, () => update(waitAt, () => (state.status === 2 && isOpenWork() ? setStatus(CUSTOM_STATUS.id) : undefined)));
      schedule(backAt, () => update(backAt, () => (state.status === CUSTOM_STATUS.id ? setStatus(2) : undefined)));
    }
    if (rng.chance(0.08)) {
      // Reassignment: another agent of the group, or (sometimes) another group.
      const moveAt = assignedAt + span * rng.next() * 0.6;
      const toOtherGroup = rng.chance(0.4);
      schedule(moveAt, () =>
        update(moveAt, () => {
          if (!isOpenWork() || state.responderId === null) return undefined;
          const changes: Changes = {};
          let group = AGENT_GROUPS.find((g) => g.id === state.groupId)!;
          if (toOtherGroup) {
            const other = rng.pick(AGENT_GROUPS.filter((g) => g.id !== group.id));
            changes.group_id = [group.id, other.id];
            state.groupId = other.id;
            group = other;
          }
          const candidates = group.agentIds.filter((a) => a !== state.responderId);
          return setResponder(rng.pick(candidates), changes);
        }),
      );
    }
    if (state.priority < 4 && rng.chance(0.05)) {
      const raiseAt = assignedAt + span * rng.next() * 0.5;
      schedule(raiseAt, () =>
        update(raiseAt, () => {
          if (!isOpenWork() || state.priority >= 4) return undefined;
          const changes: Changes = { priority: [state.priority, state.priority + 1] };
          state.priority++;
          return changes;
        }),
      );
    }
    resolveAndMaybeReopen(resolveAt, 0.1);
  };

  if (!isSpam) {
    if (state.responderId !== null) {
      planWork(createdAt + 1);
    } else {
      const neglected = rng.chance(NEGLECT_PROBABILITY[priority]);
      const assignAt = createdAt + (neglected ? rng.logNormal(3 * DAY, 0.8) : rng.logNormal(ASSIGNMENT_MEDIAN[priority], 1.0));
      const agent = rng.pick(group.agentIds);
      schedule(assignAt, () => {
        const assigned = update(assignAt, () => {
          if (!isOpenWork() || state.responderId !== null) return undefined;
          const changes = setResponder(agent);
          // Some agents also add a tag when they pick a ticket up.
          if (rng.chance(0.2)) {
            const tag = rng.pick(TAGS_BY_TYPE[type]);
            if (!state.tags.includes(tag)) {
              changes.tags = [state.tags.slice(), [...state.tags, tag]];
              state.tags = [...state.tags, tag];
            }
          }
          return changes;
        });
        if (assigned) planWork(state.updatedAt);
      });
    }
  }

  while (agenda.length > 0) {
    let next = 0;
    for (let i = 1; i < agenda.length; i++) {
      const a = agenda[i];
      const b = agenda[next];
      if (a.at < b.at || (a.at === b.at && a.order < b.order)) next = i;
    }
    const [action] = agenda.splice(next, 1);
    action.run();
  }

  const truth: TicketGroundTruth = {
    id,
    type,
    channel,
    requesterId: requester.id,
    createdAtMs: createdAt * 1000,
    createdDay: utcDay(createdAt * 1000),
    createEventDay: utcDay(events[0].timeSeconds * 1000),
    status: state.status,
    priority: state.priority,
    responderId: state.responderId,
    groupId: state.groupId,
    spam: state.spam,
    isEscalated: state.isEscalated,
    frEscalated: state.frEscalated,
    tags: state.tags,
    dueByMs: dueBy * 1000,
    frDueByMs: frDueBy * 1000,
    updatedAtMs: state.updatedAt * 1000,
    firstAssignedAtMs: firstAssignedAt === null ? null : firstAssignedAt * 1000,
    firstAssignedEventTimeMs: firstAssignedEventTime === null ? null : firstAssignedEventTime * 1000,
    firstResolvedAtMs: firstResolvedAt === null ? null : firstResolvedAt * 1000,
    firstResolvedEventTimeMs: firstResolvedEventTime === null ? null : firstResolvedEventTime * 1000,
    reopenCount,
    reopens,
    escalations,
    reassignmentCount,
    eventIds,
    states,
  };
  return { events, truth };
}

function attachmentObject(rng: SeededRandom, createdAt: number): Record<string, unknown> {
  const id = 9019290000 + rng.int(0, 99999);
  const [name, contentType] = rng.pick([
    ['erro.png', 'image/png'],
    ['invoice.pdf', 'application/pdf'],
    ['screenshot 2.jpg', 'image/jpeg'],
    ['logs.txt', 'text/plain'],
  ] as const);
  return {
    id,
    content_type: contentType,
    file_size: rng.int(1_000, 2_000_000),
    name,
    attachment_url: `https://attachments.example.com/${id}/${encodeURIComponent(name)}`,
    created_at: isoSeconds(createdAt),
    updated_at: isoSeconds(createdAt),
  };
}

/** `detail.ticket`, in the field order of the Freshdesk samples; variant tickets use the other shapes. */
function ticketPayload(state: TicketState, changes: Changes | undefined): Record<string, unknown> {
  const description = `<div>${state.body}</div>`;
  const ticket: Record<string, unknown> = state.variant
    ? {
        subject: state.subject,
        description,
        description_text: state.body,
        due_by: state.dueByText,
        fr_due_by: state.frDueByText,
        fr_escalated: state.frEscalated,
        is_escalated: state.isEscalated,
        email_config_id: 20000123,
        id: state.id,
        group_id: state.groupId,
        requester_id: state.requester.id,
        responder_id: state.responderId,
        status: state.status,
        priority: state.priority,
        type: state.type,
        tags: state.tags,
        spam: state.spam,
        source: state.channel,
        to_emails: ['support@example.com', 'help@example.com'],
        created_at: state.createdAtText,
        updated_at: isoSeconds(state.updatedAt),
        attachments: state.attachments,
        custom_fields: state.customFields,
      }
    : {
        subject: state.subject,
        description,
        is_description_truncated: false,
        description_text: state.body,
        is_description_text_truncated: false,
        due_by: state.dueByText,
        fr_due_by: state.frDueByText,
        fr_escalated: state.frEscalated,
        is_escalated: state.isEscalated,
        fwd_emails: [],
        reply_cc_emails: state.ccEmails,
        email_config_id: '20000123',
        id: state.id,
        group_id: state.groupId,
        product_id: null,
        company_id: state.requester.companyId,
        requester_id: state.requester.id,
        responder_id: state.responderId,
        status: state.status,
        priority: state.priority,
        type: state.type,
        tags: state.tags,
        spam: state.spam,
        source: state.channel,
        tweet_id: state.channel === 5 ? String(1_700_000_000_000_000_000n + BigInt(state.id)) : null,
        cc_emails: state.ccEmails,
        to_emails: 'support@example.com',
        created_at: state.createdAtText,
        updated_at: isoSeconds(state.updatedAt),
        attachments: state.attachments,
        custom_fields: JSON.stringify(state.customFields),
      };
  if (changes) ticket.changes = changes;
  return ticket;
}

function requesterPayload(requester: Requester, variant: boolean): Record<string, unknown> {
  const digits = (phone: string | null) => (phone === null ? null : Number(phone.replace(/\D/g, '')));
  return {
    id: requester.id,
    name: requester.name,
    email: requester.email,
    mobile: variant ? digits(requester.mobile) : requester.mobile,
    phone: variant ? digits(requester.phone) : requester.phone,
    language: requester.language.code,
    created_at: requester.createdAt,
  };
}

/** A binary min-heap of events by delivery time (ties by insertion order, for reproducibility). */
class DeliveryQueue {
  private readonly heap: { at: number; order: number; event: GeneratedEvent }[] = [];
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].at : Infinity;
  }

  push(at: number, event: GeneratedEvent): void {
    const heap = this.heap;
    heap.push({ at, order: this.order++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  pop(): GeneratedEvent {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && this.less(l, smallest)) smallest = l;
        if (r < heap.length && this.less(r, smallest)) smallest = r;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top.event;
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i];
    const b = this.heap[j];
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}

/**
 * Generates ticket events lazily, in delivery order.
 * @param onTicket receives each ticket's ground truth once the ticket is simulated
 */
export function* generateTicketEvents(options: GenerateOptions, onTicket?: (truth: TicketGroundTruth) => void): Generator<GeneratedEvent> {
  validateGenerateOptions(options);
  const fromSeconds = Date.parse(`${options.from}T00:00:00Z`) / 1000;
  const toEndSeconds = Date.parse(`${options.to}T00:00:00Z`) / 1000 + DAY;
  const horizon = options.until !== undefined ? Math.min(Math.floor(options.until / 1000), toEndSeconds) : toEndSeconds;
  const seed = String(options.seed);
  const context: RunContext = {
    rng: new SeededRandom(seed),
    seed,
    source: `aws.partner/freshworks.com/${options.freshdeskAccount ?? '1342406'}/freshdesk`,
    awsAccount: options.awsAccount ?? '111122223333',
    region: options.region ?? 'us-east-1',
    horizon,
    duplicateRate: options.duplicateRate ?? 0.005,
    outOfOrderRate: options.outOfOrderRate ?? 0.01,
    variantRate: options.variantRate ?? 0.03,
    requesterPoolSize: Math.max(200, Math.min(20_000, Math.round(options.ticketsPerDay * 20))),
    requesters: new Map(),
  };
  const { rng } = context;
  const maxEvents = options.maxEvents ?? Infinity;
  const queue = new DeliveryQueue();
  let emitted = 0;
  let nextTicketId = options.firstTicketId ?? 1000;

  for (let day = fromSeconds; day < toEndSeconds && day < horizon; day += DAY) {
    const weekday = new Date(day * 1000).getUTCDay();
    // Weekdays get 1.12x the average and weekends 0.7x, which averages to 1 over a week.
    const dayWeight = weekday === 0 || weekday === 6 ? 0.7 : 1.12;
    const count = Math.max(0, Math.round(options.ticketsPerDay * dayWeight * (1 + 0.08 * rng.normal())));
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) {
      const hour = rng.weighted(HOUR_WEIGHTS.map((w, h) => [h, w] as const));
      offsets.push(hour * HOUR + rng.int(0, HOUR - 1));
    }
    offsets.sort((a, b) => a - b);
    for (const offset of offsets) {
      const createdAt = day + offset;
      if (createdAt + 1 >= horizon) break;
      // Every event of this ticket is delivered at or after its creation: what is due before it can go.
      while (queue.size > 0 && queue.peekTime() < createdAt) {
        yield queue.pop();
        if (++emitted >= maxEvents) return;
      }
      const { events, truth } = simulateTicket(context, nextTicketId++, createdAt);
      onTicket?.(truth);
      for (let i = 0; i < events.length; i++) {
        const { event, timeSeconds } = events[i];
        let deliverAt = timeSeconds;
        if (i > 0 && i < events.length - 1 && rng.chance(context.outOfOrderRate)) {
          deliverAt = events[i + 1].timeSeconds + rng.int(1, 90);
        }
        queue.push(deliverAt, event);
        if (rng.chance(context.duplicateRate)) {
          queue.push(deliverAt + rng.int(1, 15 * MINUTE), { ...event, duplicate: true });
        }
      }
    }
  }
  while (queue.size > 0) {
    yield queue.pop();
    if (++emitted >= maxEvents) return;
  }
}

/** Generates everything in memory: events in delivery order and the ground truth of each ticket. For tests and small runs. */
export function generateHelpdesk(options: GenerateOptions): { events: GeneratedEvent[]; tickets: TicketGroundTruth[] } {
  const tickets: TicketGroundTruth[] = [];
  const events = [...generateTicketEvents(options, (truth) => tickets.push(truth))];
  return { events, tickets };
}
