/** Synth-time checks of construct props, shared by the constructs that take numbers with limits. */
import { Token } from 'aws-cdk-lib';

/**
 * Fails synth unless `value` is a whole number in the range (a token, resolved only at deploy
 * time, passes). The message names the prop, the range with its unit, and the value.
 * @param condition words after the unit, e.g. ` when dynamic partitioning is enabled`
 */
export function checkWholeNumberInRange(prop: string, value: number, range: { readonly min: number; readonly max: number }, unit: string, condition = ''): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${prop} must be a whole number between ${range.min} and ${range.max} ${unit}${condition}, got ${value} ${unit}.`);
  }
}
