/**
 * Freshdesk API objects (`/api/v2/agents`, `/groups`, `/ticket_fields`, `/business_hours`,
 * `/sla_policies`) to dimension rows (./tables.ts). The API client (lib/freshdesk/) fetches, these
 * functions decide what the lake keeps: only the declared columns, so an agent's email or phone
 * never reaches a file.
 */
import { TICKET_STATUS } from '../freshdesk-codes';
import type { DimensionName } from './tables';

/** A dimension row: column name -> value (JSON-text columns may hold objects; the writer encodes them). */
export type DimensionRow = Readonly<Record<string, unknown>>;

type ApiObject = Readonly<Record<string, unknown>>;

function idOf(object: ApiObject, what: string): number {
  const id = object.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new TypeError(`Freshdesk ${what} without a numeric id (got ${JSON.stringify(id)}): the API answer is not what v2 documents`);
  }
  return id;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : value === undefined || value === null ? null : String(value));
const flag = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
const integer = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return null;
};

/** `GET /api/v2/agents` item -> `agents` row. The contact's name only, no email/phone. */
export function agentRow(agent: ApiObject): DimensionRow {
  const contact = (agent.contact ?? {}) as ApiObject;
  return {
    agent_id: idOf(agent, 'agent'),
    agent_name: text(contact.name),
    agent_type: text(agent.type),
    occasional: flag(agent.occasional),
    active: flag(contact.active),
    created_at: text(agent.created_at),
    updated_at: text(agent.updated_at),
  };
}

/** `GET /api/v2/groups` item -> `groups` row. */
export function groupRow(group: ApiObject): DimensionRow {
  return {
    group_id: idOf(group, 'group'),
    group_name: text(group.name),
    description: text(group.description),
    business_hour_id: integer(group.business_hour_id),
    escalate_to: integer(group.escalate_to),
    unassigned_for: text(group.unassigned_for),
    created_at: text(group.created_at),
    updated_at: text(group.updated_at),
  };
}

/** `GET /api/v2/ticket_fields` item -> `ticket_fields` row. */
export function ticketFieldRow(field: ApiObject): DimensionRow {
  const isDefault = field.default === true || (typeof field.type === 'string' && field.type.startsWith('default_'));
  return {
    field_id: idOf(field, 'ticket field'),
    name: text(field.name),
    label: text(field.label),
    label_for_customers: text(field.label_for_customers),
    field_type: text(field.type),
    is_custom: !isDefault,
    position: integer(field.position),
    required_for_agents: flag(field.required_for_agents),
    choices: field.choices ?? null,
    created_at: text(field.created_at),
    updated_at: text(field.updated_at),
  };
}

/**
 * The `status` ticket field's choices -> `ticket_statuses` rows. Freshdesk lists them as
 * `{"2": ["Open", "Being Processed"], ..., "6": ["Waiting on Customer", "Awaiting your reply"]}`:
 * agent label first, customer label second; codes other than 2-5 are the account's custom statuses.
 * An account without a status field in the answer gets no rows (the views fall back to code names).
 */
export function ticketStatusRows(ticketFields: readonly ApiObject[]): DimensionRow[] {
  const statusField = ticketFields.find((f) => f.name === 'status');
  const choices = statusField?.choices;
  if (!choices || typeof choices !== 'object' || Array.isArray(choices)) return [];
  const rows: DimensionRow[] = [];
  for (const [code, labels] of Object.entries(choices as Record<string, unknown>)) {
    const status = integer(code);
    if (status === null) continue;
    const [agentLabel, customerLabel] = Array.isArray(labels) ? labels : [labels, labels];
    rows.push({
      status,
      status_name: text(agentLabel),
      customer_status_name: text(customerLabel ?? agentLabel),
      is_custom: !(status in TICKET_STATUS),
    });
  }
  return rows.sort((a, b) => (a.status as number) - (b.status as number));
}

/** `GET /api/v2/business_hours` item -> `business_hours` row. */
export function businessHoursRow(calendar: ApiObject): DimensionRow {
  return {
    business_hours_id: idOf(calendar, 'business hours calendar'),
    business_hours_name: text(calendar.name),
    description: text(calendar.description),
    time_zone: text(calendar.time_zone),
    is_default: flag(calendar.is_default),
    working_hours: calendar.business_hours ?? null,
    created_at: text(calendar.created_at),
    updated_at: text(calendar.updated_at),
  };
}

/** `GET /api/v2/sla_policies` item -> `sla_policies` row. */
export function slaPolicyRow(policy: ApiObject): DimensionRow {
  return {
    sla_policy_id: idOf(policy, 'SLA policy'),
    sla_policy_name: text(policy.name),
    description: text(policy.description),
    is_default: flag(policy.is_default),
    active: flag(policy.active),
    position: integer(policy.position),
    sla_target: policy.sla_target ?? null,
    applicable_to: policy.applicable_to ?? null,
    policy_json: policy,
    created_at: text(policy.created_at),
    updated_at: text(policy.updated_at),
  };
}

/** What the API returned for each endpoint; an endpoint the plan lacks (403) is left out. */
export interface FreshdeskDimensionObjects {
  readonly agents?: readonly ApiObject[];
  readonly groups?: readonly ApiObject[];
  readonly ticketFields?: readonly ApiObject[];
  readonly businessHours?: readonly ApiObject[];
  readonly slaPolicies?: readonly ApiObject[];
}

/**
 * Every dimension the API answers give, as rows per table. A table whose endpoint is missing is
 * absent from the result, so its previous snapshot (if any) stays in the lake rather than being
 * replaced by an empty one.
 */
export function dimensionRowsFromApi(objects: FreshdeskDimensionObjects): Partial<Record<DimensionName, DimensionRow[]>> {
  const rows: Partial<Record<DimensionName, DimensionRow[]>> = {};
  if (objects.agents) rows.agents = objects.agents.map(agentRow);
  if (objects.groups) rows.groups = objects.groups.map(groupRow);
  if (objects.ticketFields) {
    rows.ticket_fields = objects.ticketFields.map(ticketFieldRow);
    rows.ticket_statuses = ticketStatusRows(objects.ticketFields);
  }
  if (objects.businessHours) rows.business_hours = objects.businessHours.map(businessHoursRow);
  if (objects.slaPolicies) rows.sla_policies = objects.slaPolicies.map(slaPolicyRow);
  return rows;
}
