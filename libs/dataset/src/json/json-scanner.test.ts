import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../core/src/errors.ts';
import { bufferByteSource } from './byte-source.ts';
import { JsonScanner, type JsonValue } from './json-scanner.ts';

/** Chunk sizes that put chunk boundaries inside every kind of token. */
const chunkSizes = [1, 2, 3, 5, 7, 64, 1 << 16];

function scan<T>(text: string | Buffer, chunkBytes: number, body: (scanner: JsonScanner) => T): T {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const scanner = new JsonScanner(bufferByteSource(bytes, 'doc.json', chunkBytes), { chunkBytes: Math.max(chunkBytes, 16) });
  const result = body(scanner);
  scanner.expectEnd();
  return result;
}

const readAll = (text: string | Buffer, chunkBytes: number): JsonValue => scan(text, chunkBytes, (s) => s.readValue());
const skipAll = (text: string | Buffer, chunkBytes: number): void => scan(text, chunkBytes, (s) => s.skipValue());

const tricky = [
  '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
  '  \n\t{ "spaced" : [ 1 , 2 ,\r\n 3 ] , "empty" : { } , "none" : [ ] }  \n',
  '"esc: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\\u00e9\\u4e2d \\ud83d\\ude00 lone \\udc00"',
  JSON.stringify({ utf8: 'é中😀 mixed ascii', key: 'ünïcödé', '€uro': 1 }),
  '[0,-0,1,-1,0.5,-0.25,1e3,1E3,1e+3,1e-3,-1.5E-7,123456789012345678901234567890,1e400,-1e400,5e-324,1.7976931348623157e308,0.1,3.141592653589793238462643383279]',
  '[12.34,0.000001,9007199254740993,99999999999999999,123456789.123456789,1.000000000000000111]',
  '{"segmentation":[[1.5,2.25,3,4],[5,6,7,8.125]],"nested":[[[[[]]]],{"x":[{"y":{}}]}],"bbox":[1,2,3,4]}',
  '{"dup":1,"dup":2,"__proto__":{"polluted":true}}',
  `[${'['.repeat(300)}${']'.repeat(300)}]`,
  '"a long string that will cross many tiny chunk boundaries, with \\"escapes\\" and é and 😀 inside it"',
  'null',
  '  42  ',
];

test('readValue equals JSON.parse on tricky documents, for every chunk size', () => {
  for (const text of tricky) {
    for (const chunk of chunkSizes) assert.deepEqual(readAll(text, chunk), JSON.parse(text), `${text} with ${chunk}-byte chunks`);
  }
});

test('keys with escapes and keys that repeat across records read back right', () => {
  const records = Array.from({ length: 50 }, (_, i) => ({ id: i, 'i\u0064x': i * 2, long_key_name_that_is_over_thirty_two_bytes: 'v', é: i }));
  const text = JSON.stringify(records).replace(/"idx"/g, '"i\\u0064x"');
  for (const chunk of [1, 7, 1 << 16]) assert.deepEqual(readAll(text, chunk), JSON.parse(text));
});

test('skipValue accepts exactly what JSON.parse accepts', () => {
  for (const text of tricky) for (const chunk of chunkSizes) assert.doesNotThrow(() => skipAll(text, chunk), text);
  for (const text of malformed) {
    assert.throws(() => JSON.parse(text), `JSON.parse accepts ${text}`);
    for (const chunk of chunkSizes) {
      assert.throws(() => skipAll(text, chunk), UserError, `skip accepted ${JSON.stringify(text)} with ${chunk}-byte chunks`);
      assert.throws(() => readAll(text, chunk), UserError, `read accepted ${JSON.stringify(text)} with ${chunk}-byte chunks`);
    }
  }
});

const malformed = [
  '',
  '   ',
  '{',
  '[1,2',
  '[1,]',
  '[,1]',
  '{"a":1,}',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '[01]',
  '[1.]',
  '[.5]',
  '[1e]',
  '[1e+]',
  '[-]',
  '[+1]',
  '[0x10]',
  '[1.5.3]',
  '[NaN]',
  '[Infinity]',
  '[tru]',
  '[nul]',
  '[truex]',
  '"unterminated',
  '"bad escape \\x"',
  '"short unicode \\u12"',
  '"raw\ttab"',
  '"raw\nnewline"',
  '[1] [2]',
  '{"a":1}}',
  '[1 2]',
  '{"a":1 "b":2}',
];

test('errors name the file, the byte offset, the line and column, and what was expected', () => {
  const text = '{\n  "images": [\n    {"id": 1, "bbox": [1, 2,, 3]}\n  ]\n}';
  for (const chunk of chunkSizes) {
    assert.throws(
      () => skipAll(text, chunk),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(error.where, 'doc.json');
        assert.match(error.message, /^doc\.json: malformed JSON at byte 44 \(line 3, column 29\): expected a JSON value, found ','$/);
        return true;
      },
    );
  }
  assert.throws(() => skipAll('[1, 2', 1), /at byte 5 \(line 1, column 6\): expected ',' or '\]' after an array element, found the end of the file/);
  assert.throws(() => skipAll('"a\u0001"', 3), /control character byte 0x01 must be escaped inside a string/);
});

test('readValue refuses absurd nesting instead of overflowing the stack; skipValue needs no stack at all', () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  assert.throws(() => readAll(deep, 1 << 16), /nested deeper than 512 levels/);
  assert.doesNotThrow(() => skipAll(deep, 1 << 16));
});

test('readObject and readArray walk members one at a time', () => {
  const seen: string[] = [];
  scan('{"skip": {"deep": [1, {"x": "y"}]}, "list": [10, 20], "s": "t"}', 3, (scanner) =>
    scanner.readObject((key) => {
      if (key === 'list') scanner.readArray((index) => seen.push(`list[${index}]=${scanner.readNumber()}`));
      else if (key === 's') seen.push(`s=${scanner.readString()}`);
      else scanner.skipValue();
    }),
  );
  assert.deepEqual(seen, ['list[0]=10', 'list[1]=20', 's=t']);
});

test('invalid UTF-8 inside strings decodes to U+FFFD like TextDecoder before JSON.parse', () => {
  const bytes = Buffer.concat([Buffer.from('["a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"]')]);
  const expected = JSON.parse(new TextDecoder().decode(bytes));
  for (const chunk of chunkSizes) assert.deepEqual(readAll(bytes, chunk), expected);
});
