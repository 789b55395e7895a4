/**
 * The EventBridge pattern that selects Freshdesk ticket events. Defined once: the CDK rule
 * (lib/constructs) and the local pipeline's matcher (lib/local) both evaluate this object.
 */

/**
 * The prefix every Freshworks partner event source (and each event's `source`) starts with. It
 * ends at the path separator: `aws.partner/freshworks.com` alone would also match another
 * partner's `aws.partner/freshworks.com.evil/...` (EventBridge's prefix is plain text).
 */
export const FRESHWORKS_PARTNER_SOURCE_PREFIX = 'aws.partner/freshworks.com/';

/** Freshdesk event names (EventBridge `detail-type`) the lake records unless told otherwise. */
export const DEFAULT_TICKET_DETAIL_TYPES: readonly string[] = ['onTicketCreate', 'onTicketUpdate'];

/** Partner event source names look like `aws.partner/freshworks.com/<account-number>/freshdesk`. */
export const PARTNER_EVENT_SOURCE_NAME = /^aws\.partner\/freshworks\.com\/(\d+)\/freshdesk$/;

/** The shape the partner event source name must have, for error messages. */
export const PARTNER_EVENT_SOURCE_EXAMPLE = 'aws.partner/freshworks.com/<account-number>/freshdesk';

/**
 * Checks a partner event source name and returns the Freshdesk account number in it.
 * @throws Error with a one-line message naming the expected shape.
 */
export function freshdeskAccountOfSource(sourceName: string): string {
  const match = PARTNER_EVENT_SOURCE_NAME.exec(sourceName);
  if (!match) {
    throw new Error(
      `Invalid partner event source name "${sourceName}": it must look like ${PARTNER_EVENT_SOURCE_EXAMPLE} ` +
        '(copy it from the EventBridge console, Partner event sources).',
    );
  }
  return match[1];
}

/** An EventBridge event pattern as plain JSON (the content-filter syntax). */
export type EventPatternJson = { [field: string]: EventPatternJson | unknown[] };

export interface TicketEventPatternOptions {
  /**
   * Freshdesk event names to match (EventBridge `detail-type`).
   * @default DEFAULT_TICKET_DETAIL_TYPES (onTicketCreate, onTicketUpdate)
   */
  readonly detailTypes?: readonly string[];
  /**
   * The AWS account the events are delivered to. The CDK rule passes the stack's account.
   *
   * Why the deployed rule keeps this condition although a partner bus receives only its partner
   * source's events for this account: EventBridge keeps an event's original `account` when a rule
   * in another account forwards it to this bus (a bus target with a resource policy), so the
   * condition keeps another AWS account's Freshdesk tickets out of this lake. It costs nothing
   * and never drops a genuine event: Freshdesk's events, and their archive replays, carry the
   * account that owns the bus. The local pipeline offers the same condition as `ingest --account`.
   * @default no condition on account (the local pipeline ingests files from any account)
   */
  readonly account?: string;
}

/**
 * The pattern of the rule that feeds the lake: Freshworks partner events of the given types.
 */
export function ticketEventPattern(options: TicketEventPatternOptions = {}): EventPatternJson {
  const detailTypes = options.detailTypes ?? DEFAULT_TICKET_DETAIL_TYPES;
  if (detailTypes.length === 0) {
    throw new Error('detailTypes must name at least one Freshdesk event, e.g. onTicketCreate.');
  }
  const pattern: EventPatternJson = {
    source: [{ prefix: FRESHWORKS_PARTNER_SOURCE_PREFIX }],
    'detail-type': [...detailTypes],
  };
  if (options.account !== undefined) pattern.account = [options.account];
  return pattern;
}
