/**
 * Decides whether a record is a JSON object and reads its top-level `time`, in one pass over the
 * bytes and without building the object.
 *
 * Why not JSON.parse: it builds every object, key and string of the event for the handler to read
 * one member, which alone costs about 3x the base64 decode + append + encode floor the transform is
 * held to (bench/transform.bench.ts). This scanner gives the answer
 * `JSON.parse(lossy UTF-8 decoding of the bytes)` gives (test/transform-json-scan.test.ts holds it
 * to that), because:
 * - JSON's structure (brackets, quotes, escapes, numbers, literals, whitespace) is ASCII, and a
 *   lossy UTF-8 decoder maps ASCII bytes to themselves and never swallows one into a multi-byte
 *   sequence;
 * - it maps every run of other bytes (valid UTF-8 or not) to characters >= U+0080, which JSON accepts
 *   inside a string and nowhere else. So here a byte >= 0x80 is plain string content, and an error
 *   anywhere else; invalid UTF-8 inside a string does not reject a record.
 * Nesting is tracked on an explicit stack rather than by recursion: a 1,000 KiB record (the Firehose
 * maximum) can nest 500,000 deep, which JSON.parse accepts and recursion would not survive.
 */

/** What the handler needs of a record that is a JSON object. */
export interface ScannedJsonObject {
  /** The top-level `time` member when it is a string (the last one, as JSON.parse keeps); else undefined. */
  readonly time: string | undefined;
  /** Where the object starts (its `{`) and ends (after its `}`): the record minus surrounding whitespace. */
  readonly start: number;
  readonly end: number;
  /**
   * Where the value of the last top-level `id` member starts and ends (JSON.parse keeps the last),
   * or -1 and -1 without one.
   */
  readonly idStart: number;
  readonly idEnd: number;
  /** False for `{}`. */
  readonly hasMembers: boolean;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_U = 0x75;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

const byteTable = (test: (byte: number) => boolean): Uint8Array => Uint8Array.from({ length: 256 }, (_, byte) => (test(byte) ? 1 : 0));
/** Bytes that may appear as they are in a JSON string: not '"', not '\', not a control character. */
const PLAIN_STRING_BYTE = byteTable((byte) => byte >= SPACE && byte !== QUOTE && byte !== BACKSLASH);
/** The characters after '\' in a two-character escape: " \ / b f n r t. */
const SHORT_ESCAPE = byteTable((byte) => '"\\/bfnrt'.includes(String.fromCharCode(byte)));
const HEX_DIGIT = byteTable((byte) => /^[0-9a-fA-F]$/.test(String.fromCharCode(byte)));
const LITERALS = ['true', 'false', 'null'].map((word) => Uint8Array.from(word, (ch) => ch.charCodeAt(0)));
/** `"time"` is 6 bytes as written; escaped (`"\u0074ime"`) it is at most 4 x 6 + 2. */
const TIME_NAME = Uint8Array.from('"time"', (ch) => ch.charCodeAt(0));
const LONGEST_ESCAPED_TIME_NAME = 26;
/** `"id"` is 4 bytes as written; escaped at most 2 x 6 + 2. */
const ID_NAME = Uint8Array.from('"id"', (ch) => ch.charCodeAt(0));
const LONGEST_ESCAPED_ID_NAME = 14;

const OTHER_MEMBER = 0;
const TIME_MEMBER = 1;
const ID_MEMBER = 2;

/** The record as a JSON object (RFC 8259, as JSON.parse reads it), or undefined when it is not one. */
export function scanJsonObject(bytes: Buffer): ScannedJsonObject | undefined {
  const end = bytes.length;
  let i = skipWhitespace(bytes, 0);
  // Arrays, scalars, empty and non-JSON records are rejected at their first byte.
  if (bytes[i] !== LBRACE) return undefined;
  const objectStart = i;
  let hasMembers = false;
  let idStart = -1;
  let idEnd = -1;

  const open: number[] = []; // IN_OBJECT or IN_ARRAY per enclosing container
  let expectMemberName = false;
  let timeStart = -1; // the last top-level "time" string value, quotes included
  let timeEnd = -1;

  for (;;) {
    let topLevelMember = OTHER_MEMBER;
    if (expectMemberName) {
      expectMemberName = false;
      const nameStart = i;
      i = bytes[i] === QUOTE ? scanString(bytes, i) : -1;
      if (i < 0) return undefined;
      if (open.length === 1) {
        hasMembers = true;
        topLevelMember = topLevelMemberName(bytes, nameStart, i);
      }
      i = skipWhitespace(bytes, i);
      if (bytes[i] !== COLON) return undefined;
      i = skipWhitespace(bytes, i + 1);
    }

    // A value starts at i.
    const first = bytes[i];
    const valueStart = i;
    let openedContainer = false;
    if (first === LBRACE || first === LBRACKET) {
      i = skipWhitespace(bytes, i + 1);
      if (bytes[i] === (first === LBRACE ? RBRACE : RBRACKET)) {
        i++; // {} or []: a complete value
      } else {
        open.push(first === LBRACE ? IN_OBJECT : IN_ARRAY);
        expectMemberName = first === LBRACE;
        openedContainer = true;
      }
    } else if (first === QUOTE) {
      i = scanString(bytes, i);
    } else {
      i = scanNumberOrLiteral(bytes, i);
    }
    if (i < 0) return undefined;
    if (topLevelMember === TIME_MEMBER) {
      // A later "time" replaces an earlier one, as in JSON.parse; only a string can be a time.
      timeStart = first === QUOTE ? valueStart : -1;
      timeEnd = i;
    } else if (topLevelMember === ID_MEMBER) {
      idStart = valueStart;
      // A container value ends where its closing bracket does, found below.
      idEnd = openedContainer ? -1 : i;
    }
    if (openedContainer) continue; // its first member or element starts at i

    // After a value: close the containers it ends, up to the next ',' (or the end of the record).
    for (;;) {
      i = skipWhitespace(bytes, i);
      const depth = open.length;
      if (depth === 0) {
        const objectEnd = lastNonWhitespaceEnd(bytes, i);
        if (i !== end) return undefined;
        return { time: timeStart < 0 ? undefined : decodeString(bytes, timeStart, timeEnd), start: objectStart, end: objectEnd, idStart, idEnd, hasMembers };
      }
      const container = open[depth - 1];
      const next = bytes[i];
      if (next === COMMA) {
        i = skipWhitespace(bytes, i + 1);
        expectMemberName = container === IN_OBJECT;
        break;
      }
      if (next !== (container === IN_OBJECT ? RBRACE : RBRACKET)) return undefined;
      open.pop();
      i++;
      // The top-level id's value was this container (rare: an id is a string or a number).
      if (open.length === 1 && idStart >= 0 && idEnd < 0) idEnd = i;
    }
  }
}

function skipWhitespace(bytes: Buffer, i: number): number {
  const end = bytes.length;
  while (i < end) {
    const c = bytes[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i++;
  }
  return i;
}

/** Index after the string that starts (with its '"') at i, or -1 when it is not a valid JSON string. */
function scanString(bytes: Buffer, i: number): number {
  const end = bytes.length;
  i++;
  for (;;) {
    // Plain content in a tight loop of its own: most of an event's bytes are string content.
    // Four bytes a round while it lasts (fewer loop tests), then one at a time.
    while (i + 3 < end && (PLAIN_STRING_BYTE[bytes[i]] & PLAIN_STRING_BYTE[bytes[i + 1]] & PLAIN_STRING_BYTE[bytes[i + 2]] & PLAIN_STRING_BYTE[bytes[i + 3]]) === 1) i += 4;
    while (i < end && PLAIN_STRING_BYTE[bytes[i]] === 1) i++;
    if (i >= end) return -1; // unterminated
    const c = bytes[i];
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH || i + 1 >= end) return -1; // a control character, or a final backslash
    const escaped = bytes[i + 1];
    if (SHORT_ESCAPE[escaped] === 1) {
      i += 2;
    } else if (
      escaped === LOWER_U &&
      i + 5 < end &&
      (HEX_DIGIT[bytes[i + 2]] & HEX_DIGIT[bytes[i + 3]] & HEX_DIGIT[bytes[i + 4]] & HEX_DIGIT[bytes[i + 5]]) === 1
    ) {
      i += 6; // JSON.parse accepts any \uXXXX, lone surrogates included
    } else {
      return -1;
    }
  }
}

/** Index after the number or true/false/null that starts at i, or -1 when there is none. */
function scanNumberOrLiteral(bytes: Buffer, i: number): number {
  const first = bytes[i];
  if (first === MINUS || (first >= ZERO && first <= NINE)) return scanNumber(bytes, i);
  for (const literal of LITERALS) {
    if (first === literal[0]) {
      if (i + literal.length > bytes.length) return -1;
      for (let k = 1; k < literal.length; k++) if (bytes[i + k] !== literal[k]) return -1;
      return i + literal.length;
    }
  }
  return -1;
}

/** RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function scanNumber(bytes: Buffer, i: number): number {
  if (bytes[i] === MINUS) i++;
  const c = bytes[i];
  if (c === ZERO) {
    i++;
  } else if (c >= ONE && c <= NINE) {
    i = skipDigits(bytes, i + 1);
  } else {
    return -1;
  }
  if (bytes[i] === DOT) {
    const digits = i + 1;
    i = skipDigits(bytes, digits);
    if (i === digits) return -1;
  }
  if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
    i++;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i++;
    const digits = i;
    i = skipDigits(bytes, digits);
    if (i === digits) return -1;
  }
  return i;
}

function skipDigits(bytes: Buffer, i: number): number {
  const end = bytes.length;
  while (i < end && bytes[i] >= ZERO && bytes[i] <= NINE) i++;
  return i;
}

/** Which member the name spanning [start, end), quotes included, names: `time`, `id` (written or escaped), or another. */
function topLevelMemberName(bytes: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length === TIME_NAME.length) return equalsAt(bytes, start, TIME_NAME) ? TIME_MEMBER : OTHER_MEMBER;
  if (length === ID_NAME.length) return equalsAt(bytes, start, ID_NAME) ? ID_MEMBER : OTHER_MEMBER;
  if (length > LONGEST_ESCAPED_TIME_NAME || length < ID_NAME.length) return OTHER_MEMBER;
  // Longer than the name can only be it when escaped; most names (`detail-type`, `region`) are not.
  for (let k = start + 1; k < end - 1; k++) {
    if (bytes[k] === BACKSLASH) {
      const name = decodeString(bytes, start, end);
      return name === 'time' ? TIME_MEMBER : name === 'id' && length <= LONGEST_ESCAPED_ID_NAME ? ID_MEMBER : OTHER_MEMBER;
    }
  }
  return OTHER_MEMBER;
}

function equalsAt(bytes: Buffer, start: number, expected: Uint8Array): boolean {
  for (let k = 0; k < expected.length; k++) if (bytes[start + k] !== expected[k]) return false;
  return true;
}

/** The index after the last byte before `i` that is not whitespace (the end of the object). */
function lastNonWhitespaceEnd(bytes: Buffer, i: number): number {
  while (i > 0) {
    const c = bytes[i - 1];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    i--;
  }
  return i;
}

/** The string value of the valid JSON string spanning [start, end), decoded as JSON.parse of lossy UTF-8 would. */
function decodeString(bytes: Buffer, start: number, end: number): string {
  for (let k = start + 1; k < end - 1; k++) {
    if (bytes[k] === BACKSLASH || bytes[k] >= 0x80) {
      // The span begins and ends with '"' (ASCII), so decoding it alone gives what decoding the record gives.
      return JSON.parse(bytes.toString('utf8', start, end)) as string;
    }
  }
  // ASCII without escapes, as a `time` is: each byte is its character (3x faster than JSON.parse).
  return bytes.toString('latin1', start + 1, end - 1);
}
