/**
 * Checks generator options: what `freshlake generate` needs while reading its command line,
 * without loading the generator and its helpdesk catalog (lib/local/generator.ts re-exports it).
 */
import { isDay } from '../lake-layout';
import type { GenerateOptions } from './generator';

/** Checks generator options. @throws Error with a one-line message naming the option. */
export function validateGenerateOptions(options: GenerateOptions): void {
  if (!isDay(options.from)) throw new Error(`from "${options.from}" is not a day YYYY-MM-DD.`);
  if (!isDay(options.to)) throw new Error(`to "${options.to}" is not a day YYYY-MM-DD.`);
  if (options.to < options.from) throw new Error(`to (${options.to}) is before from (${options.from}).`);
  if (!(options.ticketsPerDay > 0) || !Number.isFinite(options.ticketsPerDay)) throw new Error('ticketsPerDay must be a positive number.');
  for (const [name, rate] of [['duplicateRate', options.duplicateRate], ['outOfOrderRate', options.outOfOrderRate], ['variantRate', options.variantRate]] as const) {
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new Error(`${name} must be between 0 and 1.`);
  }
  if (options.freshdeskAccount !== undefined && !/^\d+$/.test(options.freshdeskAccount)) throw new Error('freshdeskAccount must be digits (the <n> of aws.partner/freshworks.com/<n>/freshdesk).');
  if (options.awsAccount !== undefined && !/^\d{12}$/.test(options.awsAccount)) throw new Error('awsAccount must be a 12-digit AWS account id.');
}
