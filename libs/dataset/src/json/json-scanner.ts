import { UserError } from '../../../core/src/errors.ts';
import { defaultChunkBytes, type ByteSource } from './byte-source.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const ZERO = 48;
const ONE = 49;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const LOWER_B = 98;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_N = 110;
const LOWER_R = 114;
const LOWER_T = 116;
const LOWER_U = 117;
const LBRACE = 123;
const RBRACE = 125;

/** Materialised values nest at most this deep; skipped values may nest without limit. */
const maxReadDepth = 512;

/**
 * A pull parser over the bytes of one JSON document, read chunk by chunk from a ByteSource.
 *
 * The caller walks the document: it reads the values it needs (readString, readNumber, readValue) and skips
 * the rest (skipValue) without building strings, numbers or arrays for them, which is what makes a
 * 450 MB COCO file with large segmentation polygons cheap. Skipped values are still fully validated, so
 * malformed JSON anywhere fails with the byte offset, line and column.
 */
export class JsonScanner {
  private readonly buf: Buffer;
  private pos = 0;
  private end = 0;
  /** Document offset of buf[0]. */
  private base = 0;
  /** Start of the bytes being captured in buf, or -1; captured bytes of earlier chunks wait in captureParts. */
  private captureFrom = -1;
  private captureParts: Buffer[] = [];
  /** Object keys seen so far (see internedKey). */
  private readonly keyCache: string[] = [];
  /** Where the next key lookup starts: keys tend to come in the same order in every record. */
  private keyCacheNext = 0;
  private readonly onChunk: ((bytesRead: number) => void) | undefined;

  constructor(
    private readonly source: ByteSource,
    options: { chunkBytes?: number; onChunk?: (bytesRead: number) => void } = {},
  ) {
    this.buf = Buffer.allocUnsafe(options.chunkBytes ?? defaultChunkBytes);
    this.onChunk = options.onChunk;
  }

  /** Byte offset of the next unread byte in the document. */
  get offset(): number {
    return this.base + this.pos;
  }

  get sourceName(): string {
    return this.source.name;
  }

  /** The next byte after whitespace, not consumed; -1 at the end of input. */
  peekNonWs(): number {
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end) {
        const c = buf[p]!;
        if (c !== SPACE && c !== LF && c !== CR && c !== TAB) {
          this.pos = p;
          return c;
        }
        p++;
      }
      this.pos = p;
      if (!this.refill()) return -1;
    }
  }

  /** The kind of the value that starts next (after whitespace), for type checks and messages. */
  peekKind(): JsonKind | undefined {
    const c = this.peekNonWs();
    if (c === LBRACE) return 'object';
    if (c === LBRACKET) return 'array';
    if (c === QUOTE) return 'string';
    if (c === MINUS || (c >= ZERO && c <= NINE)) return 'number';
    if (c === LOWER_T || c === LOWER_F) return 'boolean';
    if (c === LOWER_N) return 'null';
    return undefined;
  }

  /** Fails unless only whitespace is left. */
  expectEnd(): void {
    const c = this.peekNonWs();
    if (c !== -1) this.fail('the end of the document after the top-level value', c);
  }

  /** Walks an object; `onMember(key)` is called with the scanner at the member's value and must consume it. */
  readObject(onMember: (key: string) => void): void {
    const first = this.peekNonWs();
    if (first !== LBRACE) this.fail("'{'", first);
    if (this.enterContainer(RBRACE)) return;
    do {
      onMember(this.readKey());
    } while (this.afterItem(RBRACE));
  }

  /** Walks an array; `onElement(index)` is called with the scanner at the element and must consume it. */
  readArray(onElement: (index: number) => void): void {
    const first = this.peekNonWs();
    if (first !== LBRACKET) this.fail("'['", first);
    if (this.enterContainer(RBRACKET)) return;
    let index = 0;
    do {
      onElement(index++);
    } while (this.afterItem(RBRACKET));
  }

  /** Reads any value into memory (only for small values: ids, boxes, names). */
  readValue(depth = 0): JsonValue {
    const c = this.peekNonWs();
    switch (c) {
      case LBRACE: {
        if (depth >= maxReadDepth) this.failDepth();
        const object: { [key: string]: JsonValue } = {};
        this.readObject((key) => {
          const value = this.readValue(depth + 1);
          // A plain assignment to "__proto__" would set the prototype; JSON.parse makes an own property.
          if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
          else object[key] = value;
        });
        return object;
      }
      case LBRACKET: {
        if (depth >= maxReadDepth) this.failDepth();
        const array: JsonValue[] = [];
        this.readArray(() => {
          array.push(this.readValue(depth + 1));
        });
        return array;
      }
      case QUOTE:
        return this.readString();
      case LOWER_T:
        this.scanLiteral('true');
        return true;
      case LOWER_F:
        this.scanLiteral('false');
        return false;
      case LOWER_N:
        this.scanLiteral('null');
        return null;
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return this.readNumber();
        return this.fail('a JSON value', c);
    }
  }

  /** Validates and passes over one value of any size; iterative, so nesting depth costs no stack. */
  skipValue(): void {
    const closers: number[] = [];
    for (;;) {
      const c = this.peekNonWs();
      switch (c) {
        case LBRACE:
          if (this.enterContainer(RBRACE)) break;
          closers.push(RBRACE);
          this.skipKey();
          continue;
        case LBRACKET:
          if (this.enterContainer(RBRACKET)) break;
          closers.push(RBRACKET);
          continue;
        case QUOTE:
          this.skipString();
          break;
        case LOWER_T:
          this.scanLiteral('true');
          break;
        case LOWER_F:
          this.scanLiteral('false');
          break;
        case LOWER_N:
          this.scanLiteral('null');
          break;
        default:
          if (c === MINUS || (c >= ZERO && c <= NINE)) this.scanNumber();
          else this.fail('a JSON value', c);
      }
      // A value just ended: close finished containers until one continues after a ','.
      for (;;) {
        const closer = closers[closers.length - 1];
        if (closer === undefined) return;
        if (this.afterItem(closer)) {
          if (closer === RBRACE) this.skipKey();
          break;
        }
        closers.pop();
      }
    }
  }

  readNumber(): number {
    this.peekNonWs();
    const start = this.pos;
    const base = this.base;
    this.startCapture();
    this.scanNumber();
    if (this.base === base) {
      this.captureFrom = -1;
      const fast = parseShortDecimal(this.buf, start, this.pos);
      if (fast !== undefined) return fast;
      return Number(this.buf.toString('latin1', start, this.pos));
    }
    return Number(this.endCapture('latin1'));
  }

  readString(): string {
    const first = this.peekNonWs();
    if (first !== QUOTE) this.fail('a string', first);
    this.pos++;
    // Fast path: the whole string sits in the current chunk and has no escapes.
    const buf = this.buf;
    const end = this.end;
    let ascii = true;
    for (let p = this.pos; p < end; p++) {
      const c = buf[p]!;
      if (c === QUOTE) {
        const text = buf.toString(ascii ? 'latin1' : 'utf8', this.pos, p);
        this.pos = p + 1;
        return text;
      }
      if (c === BACKSLASH || c < SPACE) break;
      if (c >= 128) ascii = false;
    }
    return this.readStringSlowly();
  }

  /** Throws a UserError locating the current offset in the document. */
  fail(expected: string, found: number): never {
    throw this.errorAt(this.offset, `expected ${expected}, found ${describeByte(found)}`);
  }

  /** A UserError for malformed JSON at `offset`, naming the file, byte offset, line and column. */
  errorAt(offset: number, message: string): UserError {
    const { line, column } = this.source.locate(offset);
    return new UserError(`malformed JSON at byte ${offset} (line ${line}, column ${column}): ${message}`, this.source.name);
  }

  private failDepth(): never {
    throw this.errorAt(this.offset, `values nested deeper than ${maxReadDepth} levels where a small value was expected`);
  }

  /**
   * Consumes the '{' or '[' the caller has just peeked; true when the container is empty, its `close`
   * consumed too.
   */
  private enterContainer(close: number): boolean {
    this.pos++;
    if (this.peekNonWs() !== close) return false;
    this.pos++;
    return true;
  }

  /** After a member or element: true when ',' follows, false when `close` ends the container (either consumed). */
  private afterItem(close: number): boolean {
    const c = this.peekNonWs();
    if (c === COMMA) {
      this.pos++;
      return true;
    }
    if (c !== close) this.fail(close === RBRACE ? "',' or '}' after an object member" : "',' or ']' after an array element", c);
    this.pos++;
    return false;
  }

  private readKey(): string {
    const c = this.peekNonWs();
    if (c !== QUOTE) this.fail('a string key', c);
    const key = this.internedKey() ?? this.readString();
    this.expectColon();
    return key;
  }

  private expectColon(): void {
    const c = this.peekNonWs();
    if (c !== COLON) this.fail("':' after an object key", c);
    this.pos++;
  }

  /**
   * Object keys repeat record after record ("id", "bbox", ...): a plain ASCII key that matches one seen
   * before is returned without decoding a new string, and new ones are remembered (up to a limit).
   * undefined, with nothing consumed: the key has escapes or non-ASCII bytes, is long, or crosses the chunk end.
   */
  private internedKey(): string | undefined {
    const buf = this.buf;
    const start = this.pos + 1;
    const limit = Math.min(this.end, start + maxInternedKeyBytes + 1);
    let close = start;
    while (close < limit && buf[close] !== QUOTE) {
      const c = buf[close]!;
      if (c === BACKSLASH || c < SPACE || c >= 128) return undefined;
      close++;
    }
    if (close >= limit) return undefined;
    const length = close - start;
    const cache = this.keyCache;
    for (let i = 0; i < cache.length; i++) {
      const entry = cache[(this.keyCacheNext + i) % cache.length]!;
      if (entry.length !== length) continue;
      let k = 0;
      while (k < length && entry.charCodeAt(k) === buf[start + k]) k++;
      if (k === length) {
        this.keyCacheNext = (this.keyCacheNext + i + 1) % cache.length;
        this.pos = close + 1;
        return entry;
      }
    }
    const key = buf.toString('latin1', start, close);
    this.pos = close + 1;
    return this.remember(key);
  }

  private remember(key: string): string {
    if (this.keyCache.length < maxInternedKeys) this.keyCache.push(key);
    return key;
  }

  private skipKey(): void {
    const c = this.peekNonWs();
    if (c !== QUOTE) this.fail('a string key', c);
    this.skipString();
    this.expectColon();
  }

  /** Loads the next chunk once the current one is consumed; false at the end of input. */
  private refill(): boolean {
    if (this.pos < this.end) return true;
    if (this.captureFrom >= 0) {
      this.captureParts.push(Buffer.from(this.buf.subarray(this.captureFrom, this.end)));
      this.captureFrom = 0;
    }
    this.base += this.end;
    this.pos = 0;
    this.end = this.source.read(this.buf);
    this.onChunk?.(this.base + this.end);
    return this.end > 0;
  }

  private peek(): number {
    if (this.pos < this.end || this.refill()) return this.buf[this.pos]!;
    return -1;
  }

  private startCapture(): void {
    this.captureFrom = this.pos;
  }

  private endCapture(encoding: 'latin1' | 'utf8'): string {
    const from = this.captureFrom;
    this.captureFrom = -1;
    if (this.captureParts.length === 0) return this.buf.toString(encoding, from, this.pos);
    const parts = this.captureParts;
    this.captureParts = [];
    parts.push(this.buf.subarray(from, this.pos));
    return Buffer.concat(parts).toString(encoding);
  }

  /** Consumes a run of decimal digits, across chunks; returns how many there were. */
  private skipDigits(): number {
    let count = 0;
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end) {
        const c = buf[p]!;
        if (c < ZERO || c > NINE) break;
        p++;
      }
      count += p - this.pos;
      this.pos = p;
      if (p < end || !this.refill()) return count;
    }
  }

  /** Consumes one number, checking JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private scanNumber(): void {
    let c = this.peek();
    if (c === MINUS) {
      this.pos++;
      c = this.peek();
    }
    if (c === ZERO) this.pos++;
    else if (c >= ONE && c <= NINE) this.skipDigits();
    else this.fail('a digit', c);
    c = this.peek();
    if (c === DOT) {
      this.pos++;
      if (this.skipDigits() === 0) this.fail('a digit after the decimal point', this.peek());
      c = this.peek();
    }
    if (c === LOWER_E || c === UPPER_E) {
      this.pos++;
      c = this.peek();
      if (c === PLUS || c === MINUS) this.pos++;
      if (this.skipDigits() === 0) this.fail('a digit in the exponent', this.peek());
    }
  }

  private scanLiteral(word: 'true' | 'false' | 'null'): void {
    for (let i = 0; i < word.length; i++) {
      const c = this.peek();
      if (c !== word.charCodeAt(i)) this.fail(`'${word}'`, c);
      this.pos++;
    }
  }

  /** Consumes ordinary string bytes across chunks; returns the byte that stopped it (not consumed). */
  private scanStringRun(): number {
    for (;;) {
      const buf = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end) {
        const c = buf[p]!;
        if (c === QUOTE || c === BACKSLASH || c < SPACE) {
          this.pos = p;
          return c;
        }
        p++;
      }
      this.pos = p;
      if (!this.refill()) return -1;
    }
  }

  /** Strings with escapes or crossing a chunk boundary: raw runs are decoded as UTF-8, escapes one by one. */
  private readStringSlowly(): string {
    let text = '';
    for (;;) {
      this.startCapture();
      const stop = this.scanStringRun();
      text += this.endCapture('utf8');
      if (stop === QUOTE) {
        this.pos++;
        return text;
      }
      if (stop !== BACKSLASH) this.failInString(stop);
      this.pos++;
      text += this.readEscape();
    }
  }

  private skipString(): void {
    this.pos++; // the opening quote, already peeked by the caller
    for (;;) {
      const stop = this.scanStringRun();
      if (stop === QUOTE) {
        this.pos++;
        return;
      }
      if (stop !== BACKSLASH) this.failInString(stop);
      this.pos++;
      this.readEscape();
    }
  }

  private failInString(stop: number): never {
    if (stop === -1) this.fail("'\"' closing the string", stop);
    throw this.errorAt(this.offset, `control character ${describeByte(stop)} must be escaped inside a string`);
  }

  /** The character of the escape sequence after a backslash; \uXXXX yields one UTF-16 unit, as JSON.parse does. */
  private readEscape(): string {
    const c = this.peek();
    this.pos++;
    switch (c) {
      case QUOTE:
        return '"';
      case BACKSLASH:
        return '\\';
      case SLASH:
        return '/';
      case LOWER_B:
        return '\b';
      case LOWER_F:
        return '\f';
      case LOWER_N:
        return '\n';
      case LOWER_R:
        return '\r';
      case LOWER_T:
        return '\t';
      case LOWER_U: {
        let code = 0;
        for (let i = 0; i < 4; i++) {
          const h = this.peek();
          const value = hexValue(h);
          if (value < 0) this.fail('a hex digit in a \\u escape', h);
          this.pos++;
          code = code * 16 + value;
        }
        return String.fromCharCode(code);
      }
      default:
        this.pos--;
        return this.fail('an escape character (one of " \\ / b f n r t u) after a backslash', c);
    }
  }
}

const maxInternedKeys = 64;
const maxInternedKeyBytes = 32;
const exactPowersOfTen = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parses a JSON number of at most 15 significant digits whose scale is within 10^±22 straight from the
 * bytes: the digits then form an exact double and one multiplication or division by an exact power of
 * ten rounds correctly (Clinger's fast path), giving the same double as Number(text). undefined: too
 * long or too far out, use Number(text).
 */
function parseShortDecimal(buf: Buffer, start: number, end: number): number | undefined {
  let p = start;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  for (; p < end; p++) {
    const c = buf[p]!;
    if (c === DOT) {
      for (p++; p < end; p++) {
        const d = buf[p]!;
        if (d < ZERO || d > NINE) break;
        digits = digits * 10 + (d - ZERO);
        if (digits !== 0) significant++;
        scale--;
      }
      break;
    }
    if (c < ZERO || c > NINE) break;
    digits = digits * 10 + (c - ZERO);
    if (digits !== 0) significant++;
  }
  if (p < end) {
    // An exponent part: rare in COCO files, leave it to Number().
    return undefined;
  }
  if (significant > 15 || scale < -22) return undefined;
  const value = scale === 0 ? digits : digits / exactPowersOfTen[-scale]!;
  return negative ? -value : value;
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function describeByte(c: number): string {
  if (c === -1) return 'the end of the file';
  if (c > SPACE && c < 127) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
