/**
 * A local evaluator of EventBridge event patterns (the content-filter syntax), so the local
 * pipeline applies the SAME pattern object the CDK rule deploys (lib/event-pattern.ts).
 *
 * Semantics follow the EventBridge user guide ("Content filtering in event patterns", "Arrays in
 * event patterns", "Matching null values and empty strings") and the reference matcher
 * (aws/event-ruler):
 * - every field named in the pattern must match (AND); the values listed for a field are
 *   alternatives (OR); `$or` lists alternative sub-patterns;
 * - a pattern leaf is an array of values and operator objects; the event value matches when ANY
 *   of its leaf values (an event array is flattened) matches ANY entry;
 * - a nested pattern object matched against an array of objects matches when one element matches
 *   it entirely (array-consistent matching);
 * - operators apply to leaves only: an object is not a leaf (`exists: false` matches it).
 *
 * Each operator is one small function with a name and a test table (test/pattern-matcher.test.ts).
 * The pattern is compiled once into closures: the ingest hot path calls the compiled predicate.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A JSON scalar: the only kind of value operators look at. */
export type JsonLeaf = string | number | boolean | null;

/** A pattern that is not valid EventBridge syntax. The message names the path and the rule broken. */
export class EventPatternSyntaxError extends Error {
  constructor(path: string, message: string) {
    super(`Invalid event pattern at ${path || '(root)'}: ${message}`);
    this.name = 'EventPatternSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// Operators: one pure function each, over one leaf value of the event.
// ---------------------------------------------------------------------------------------------

/**
 * Exact value: strings compare by code units, numbers by numeric value (3.018e2 equals 301.8),
 * booleans and null by identity. `""` and `null` are different values.
 */
export function matchesExactValue(expected: JsonLeaf, value: JsonLeaf): boolean {
  return expected === value;
}

/** `{"prefix": "us-"}`: a string value that starts with the prefix. */
export function matchesPrefix(prefix: string, value: JsonLeaf): boolean {
  return typeof value === 'string' && value.startsWith(prefix);
}

/** `{"suffix": ".png"}`: a string value that ends with the suffix. */
export function matchesSuffix(suffix: string, value: JsonLeaf): boolean {
  return typeof value === 'string' && value.endsWith(suffix);
}

/** Case folding shared by the `equals-ignore-case` forms. */
function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/** `{"equals-ignore-case": "EventB"}`: a string value equal to the operand regardless of case. */
export function matchesEqualsIgnoreCase(expected: string, value: JsonLeaf): boolean {
  return typeof value === 'string' && foldCase(value) === foldCase(expected);
}

/** `{"prefix": {"equals-ignore-case": "EventB"}}`. */
export function matchesPrefixIgnoreCase(prefix: string, value: JsonLeaf): boolean {
  return typeof value === 'string' && foldCase(value).startsWith(foldCase(prefix));
}

/** `{"suffix": {"equals-ignore-case": ".png"}}`. */
export function matchesSuffixIgnoreCase(suffix: string, value: JsonLeaf): boolean {
  return typeof value === 'string' && foldCase(value).endsWith(foldCase(suffix));
}

/**
 * Compiles a wildcard operand to an anchored regular expression. `*` matches zero or more
 * characters (slashes and newlines included); `\*` is a literal asterisk and `\\` a literal
 * backslash. EventBridge rejects consecutive wildcards and any other escape, and so do we.
 * @throws Error naming the rule broken
 */
export function compileWildcard(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i];
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') throw new Error(`"${wildcard}": a backslash may only escape * or \\`);
      source += next === '*' ? '\\*' : '\\\\';
      i++;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*') throw new Error(`"${wildcard}": consecutive wildcard characters are not allowed`);
      source += '.*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** `{"wildcard": "dir/*.png"}`: a string value that the compiled wildcard matches whole. */
export function matchesWildcard(wildcard: RegExp, value: JsonLeaf): boolean {
  return typeof value === 'string' && wildcard.test(value);
}

/** One comparison of a numeric condition, e.g. `[">", 0]`. */
export interface NumericComparison {
  readonly operator: '=' | '<' | '<=' | '>' | '>=';
  readonly operand: number;
}

/**
 * `{"numeric": [">", 0, "<=", 5]}`: a JSON number (never a numeric string) that satisfies
 * every comparison.
 */
export function matchesNumeric(comparisons: readonly NumericComparison[], value: JsonLeaf): boolean {
  if (typeof value !== 'number') return false;
  for (const { operator, operand } of comparisons) {
    const ok =
      operator === '=' ? value === operand
      : operator === '<' ? value < operand
      : operator === '<=' ? value <= operand
      : operator === '>' ? value > operand
      : value >= operand;
    if (!ok) return false;
  }
  return true;
}

/** Compiles a CIDR block (IPv4 or IPv6) for `{"cidr": "10.0.0.0/24"}`. @throws Error if malformed */
export function compileCidr(cidr: string): BlockList {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const family = match && isIPv4(match[1]) ? 'ipv4' : match && isIPv6(match[1]) ? 'ipv6' : undefined;
  const bits = match ? Number(match[2]) : NaN;
  if (!match || !family || bits > (family === 'ipv4' ? 32 : 128)) throw new Error(`"${cidr}" is not a CIDR block such as 10.0.0.0/24`);
  const list = new BlockList();
  list.addSubnet(match[1], bits, family);
  return list;
}

/** `{"cidr": "10.0.0.0/24"}`: a string value that is an IP address inside the block. */
export function matchesCidr(block: BlockList, value: JsonLeaf): boolean {
  if (typeof value !== 'string') return false;
  if (isIPv4(value)) return block.check(value, 'ipv4');
  if (isIPv6(value)) return block.check(value, 'ipv6');
  return false;
}

/**
 * `{"exists": true|false}`: looks at the field, not a value. A field exists when it holds at
 * least one leaf value (null counts; an object or an empty array does not, since exists only
 * works on leaf nodes).
 */
export function matchesExists(shouldExist: boolean, leaves: readonly JsonLeaf[]): boolean {
  return shouldExist === leaves.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Compilation of a pattern into a predicate.
// ---------------------------------------------------------------------------------------------

type LeafPredicate = (value: JsonLeaf) => boolean;
type FieldPredicate = (leaves: readonly JsonLeaf[]) => boolean;
type ObjectPredicate = (value: unknown) => boolean;

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is JsonLeaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The operand as a list of strings (`"a"` or `["a", "b"]`), as anything-but's nested forms allow. */
function stringList(path: string, operator: string, operand: unknown): string[] {
  const list = Array.isArray(operand) ? operand : [operand];
  if (list.length === 0 || !list.every((s) => typeof s === 'string')) {
    throw new EventPatternSyntaxError(path, `"${operator}" takes a string or a non-empty list of strings`);
  }
  return list as string[];
}

function singleString(path: string, operator: string, operand: unknown): string {
  if (typeof operand !== 'string') throw new EventPatternSyntaxError(path, `"${operator}" takes a string`);
  return operand;
}

function compileNumeric(path: string, operand: unknown): NumericComparison[] {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new EventPatternSyntaxError(path, '"numeric" takes pairs of operator and number, e.g. [">", 0, "<=", 5]');
  }
  const comparisons: NumericComparison[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const [operator, number] = [operand[i], operand[i + 1]];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      throw new EventPatternSyntaxError(path, `"numeric" operator ${JSON.stringify(operator)} is not one of =, <, <=, >, >=`);
    }
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new EventPatternSyntaxError(path, `"numeric" operand ${JSON.stringify(number)} is not a number`);
    }
    comparisons.push({ operator: operator as NumericComparison['operator'], operand: number });
  }
  return comparisons;
}

function compileWildcardAt(path: string, wildcard: string): RegExp {
  try {
    return compileWildcard(wildcard);
  } catch (error) {
    throw new EventPatternSyntaxError(path, (error as Error).message);
  }
}

/** `{"prefix": ...}` / `{"suffix": ...}`: a string, or `{"equals-ignore-case": string}`. */
function compileAffix(path: string, operator: 'prefix' | 'suffix', operand: unknown): LeafPredicate {
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new EventPatternSyntaxError(path, `"${operator}" takes a string or {"equals-ignore-case": string}`);
    }
    const text = singleString(path, `${operator}.equals-ignore-case`, operand['equals-ignore-case']);
    return operator === 'prefix' ? (v) => matchesPrefixIgnoreCase(text, v) : (v) => matchesSuffixIgnoreCase(text, v);
  }
  const text = singleString(path, operator, operand);
  return operator === 'prefix' ? (v) => matchesPrefix(text, v) : (v) => matchesSuffix(text, v);
}

/**
 * `anything-but`: a string or number, a list of only strings or only numbers, or an object with
 * one of prefix, suffix, equals-ignore-case, wildcard (each a string or a list of strings). The
 * nested forms only match string values (a number has no prefix to avoid).
 */
function compileAnythingBut(path: string, operand: unknown): LeafPredicate {
  if (typeof operand === 'string' || typeof operand === 'number') {
    return (v) => !matchesExactValue(operand, v);
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((x) => typeof x === 'string');
    const allNumbers = operand.every((x) => typeof x === 'number');
    if (operand.length === 0 || (!allStrings && !allNumbers)) {
      throw new EventPatternSyntaxError(path, '"anything-but" list must hold only strings or only numbers');
    }
    const excluded = new Set<JsonLeaf>(operand as JsonLeaf[]);
    return (v) => !excluded.has(v);
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1) throw new EventPatternSyntaxError(path, '"anything-but" object takes exactly one of prefix, suffix, equals-ignore-case, wildcard');
    const [key] = keys;
    const values = stringList(path, `anything-but.${key}`, operand[key]);
    let excluded: LeafPredicate;
    switch (key) {
      case 'prefix':
        excluded = (v) => values.some((p) => matchesPrefix(p, v));
        break;
      case 'suffix':
        excluded = (v) => values.some((s) => matchesSuffix(s, v));
        break;
      case 'equals-ignore-case':
        excluded = (v) => values.some((s) => matchesEqualsIgnoreCase(s, v));
        break;
      case 'wildcard': {
        const regexps = values.map((w) => compileWildcardAt(path, w));
        excluded = (v) => regexps.some((r) => matchesWildcard(r, v));
        break;
      }
      default:
        throw new EventPatternSyntaxError(path, `"anything-but" does not take "${key}"`);
    }
    return (v) => typeof v === 'string' && !excluded(v);
  }
  throw new EventPatternSyntaxError(path, '"anything-but" takes a string, a number, a list, or {prefix|suffix|equals-ignore-case|wildcard: ...}');
}

/** One entry of a leaf array that is an operator object, e.g. `{"prefix": "us-"}`. */
function compileOperator(path: string, entry: Record<string, unknown>): { leaf?: LeafPredicate; exists?: boolean } {
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw new EventPatternSyntaxError(path, `an operator object has exactly one key, got ${JSON.stringify(keys)}`);
  const [operator] = keys;
  const operand = entry[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return { leaf: compileAffix(path, operator, operand) };
    case 'equals-ignore-case': {
      const text = singleString(path, operator, operand);
      return { leaf: (v) => matchesEqualsIgnoreCase(text, v) };
    }
    case 'wildcard': {
      const regexp = compileWildcardAt(path, singleString(path, operator, operand));
      return { leaf: (v) => matchesWildcard(regexp, v) };
    }
    case 'anything-but':
      return { leaf: compileAnythingBut(path, operand) };
    case 'numeric': {
      const comparisons = compileNumeric(path, operand);
      return { leaf: (v) => matchesNumeric(comparisons, v) };
    }
    case 'cidr': {
      let block: BlockList;
      try {
        block = compileCidr(singleString(path, operator, operand));
      } catch (error) {
        throw new EventPatternSyntaxError(path, (error as Error).message);
      }
      return { leaf: (v) => matchesCidr(block, v) };
    }
    case 'exists':
      if (typeof operand !== 'boolean') throw new EventPatternSyntaxError(path, '"exists" takes true or false');
      return { exists: operand };
    default:
      throw new EventPatternSyntaxError(path, `unknown operator "${operator}"`);
  }
}

/** A leaf array: alternatives, any of which may match. */
function compileLeafArray(path: string, entries: readonly unknown[]): FieldPredicate {
  const leafPredicates: LeafPredicate[] = [];
  const existsChecks: boolean[] = [];
  for (const entry of entries) {
    if (isLeaf(entry)) {
      leafPredicates.push((v) => matchesExactValue(entry, v));
    } else if (isPlainObject(entry)) {
      const compiled = compileOperator(path, entry);
      if (compiled.leaf) leafPredicates.push(compiled.leaf);
      else existsChecks.push(compiled.exists!);
    } else {
      throw new EventPatternSyntaxError(path, 'a value list holds strings, numbers, booleans, null or operator objects, not nested arrays');
    }
  }
  if (leafPredicates.length === 1 && existsChecks.length === 0) {
    const [only] = leafPredicates;
    return (leaves) => {
      for (let i = 0; i < leaves.length; i++) if (only(leaves[i])) return true;
      return false;
    };
  }
  return (leaves) => {
    for (const shouldExist of existsChecks) if (matchesExists(shouldExist, leaves)) return true;
    for (let i = 0; i < leaves.length; i++) {
      for (const predicate of leafPredicates) if (predicate(leaves[i])) return true;
    }
    return false;
  };
}

/** Leaf values of an event field: a scalar, or the scalars of a (nested) array. Objects are not leaves. */
function leavesOf(value: unknown, out: JsonLeaf[] = []): JsonLeaf[] {
  if (value === undefined) return out;
  if (Array.isArray(value)) {
    for (const element of value) leavesOf(element, out);
  } else if (isLeaf(value)) {
    out.push(value);
  }
  return out;
}

const NO_LEAVES: readonly JsonLeaf[] = [];

/** The objects an event field holds: itself, or the objects of a (nested) array. */
function objectsOf(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) {
    for (const element of value) objectsOf(element, out);
  } else if (isPlainObject(value)) {
    out.push(value);
  }
  return out;
}

const EMPTY_OBJECT: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** A pattern object: every field must match; `$or` lists alternative sub-patterns. */
function compileObject(path: string, pattern: Record<string, unknown>): ObjectPredicate {
  const checks: ((event: Record<string, unknown>) => boolean)[] = [];
  for (const [key, sub] of Object.entries(pattern)) {
    const subPath = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isPlainObject)) {
        throw new EventPatternSyntaxError(subPath, '"$or" takes a list of at least two pattern objects');
      }
      const alternatives = sub.map((alternative, i) => compileObject(`${subPath}[${i}]`, alternative as Record<string, unknown>));
      checks.push((event) => alternatives.some((alternative) => alternative(event)));
    } else if (Array.isArray(sub)) {
      const field = compileLeafArray(subPath, sub);
      checks.push((event) => {
        const value = event[key];
        // Fast path for the common case: a scalar field (no array to flatten).
        if (value === undefined) return field(NO_LEAVES);
        if (isLeaf(value)) return field([value]);
        return field(leavesOf(value));
      });
    } else if (isPlainObject(sub)) {
      const nested = compileObject(subPath, sub);
      checks.push((event) => nested(event[key]));
    } else {
      throw new EventPatternSyntaxError(subPath, 'a field must map to a list of values or to a nested pattern object');
    }
  }
  return (value) => {
    // A nested pattern meets an array of objects: one element must match it whole.
    const candidates = Array.isArray(value) ? objectsOf(value) : [isPlainObject(value) ? value : EMPTY_OBJECT];
    if (candidates.length === 0) candidates.push(EMPTY_OBJECT);
    return candidates.some((candidate) => checks.every((check) => check(candidate)));
  };
}

/** A compiled event pattern. */
export type EventPredicate = (event: unknown) => boolean;

/**
 * Compiles an EventBridge event pattern once; the result tests parsed events.
 * @throws EventPatternSyntaxError when the pattern is not valid content-filter syntax
 */
export function compileEventPattern(pattern: unknown): EventPredicate {
  if (!isPlainObject(pattern)) throw new EventPatternSyntaxError('', 'an event pattern is a JSON object');
  const predicate = compileObject('', pattern);
  // EventBridge matches events, which are JSON objects: anything else never matches.
  return (event) => isPlainObject(event) && predicate(event);
}

/** One-off convenience: does this event match this pattern? Prefer compileEventPattern in loops. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}
