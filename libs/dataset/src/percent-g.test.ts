import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPercentG } from './percent-g.ts';
import { runPython, withTempDir } from './test-helpers.ts';

test('formats like C printf %g: 6 significant digits, trailing zeros dropped, exponent outside [-4, 6)', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [11, '11'],
    [0.5, '0.5'],
    [0.1, '0.1'],
    [1 / 3, '0.333333'],
    [2 / 3, '0.666667'],
    [123456, '123456'],
    [1234567, '1.23457e+06'],
    [999999.4, '999999'],
    [999999.6, '1e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.000123456789, '0.000123457'],
    [-2.5e-7, '-2.5e-07'],
    [1e100, '1e+100'],
    [5e-324, '4.94066e-324'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ];
  for (const [value, expected] of cases) assert.equal(formatPercentG(value), expected, `%g of ${value}`);
});

test('breaks exact ties to even like C and Python, where toPrecision would round up', () => {
  assert.equal(formatPercentG(2 ** -10), '0.000976562'); // 0.0009765625 exactly
  assert.equal(formatPercentG(3 * 2 ** -10), '0.00292969'); // 0.0029296875: odd kept digit rounds up
  assert.equal(formatPercentG(123456.5), '123456');
  assert.equal(formatPercentG(123457.5), '123458');
  assert.equal(formatPercentG(999999.5), '1e+06');
  assert.equal(formatPercentG(1234565), '1.23456e+06');
  assert.equal((2 ** -10).toPrecision(6), '0.000976563'); // the JavaScript behaviour this avoids
});

test("equals Python's '%g' on 40,000 doubles of every kind", async () => {
  const values: number[] = [];
  let state = 7;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  for (let i = 0; i < 5000; i++) {
    values.push(
      (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20), // any magnitude
      Math.round(next() * 2e6) / 2, // halves: exact ties at 7 digits
      Math.round(next() * 1e6) / 2 ** Math.floor(next() * 40), // dyadic fractions: ties below 1
      (Math.round(next() * 64000) / 100 + Math.round(next() * 30000) / 200) / 640, // normalised box centres
      Math.round(next() * 30000) / 100 / 480, // normalised box sizes
      Math.floor(next() * 1e9), // integers
      Math.round(next() * 1e7) * 10 ** Math.floor(next() * 12 - 6), // 7-digit decimals
      5e-324 * Math.floor(next() * 1e6), // subnormals
    );
  }
  const hex = values.map((value) => toPythonHex(value)).join('\n');
  const python = await withTempDir((dir) =>
    runPython('import sys\nfor line in sys.stdin.read().split():\n    print("%g" % float.fromhex(line))', dir, { input: hex }),
  );
  const expected = python.trimEnd().split('\n');
  assert.equal(expected.length, values.length);
  const mismatches = values.flatMap((value, i) => (formatPercentG(value) === expected[i] ? [] : [`${value}: ${formatPercentG(value)} != ${expected[i]}`]));
  assert.deepEqual(mismatches.slice(0, 10), []);
});

/** Exact hex float text (float.hex form) so Python sees the very same double. */
function toPythonHex(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
  return exponent === 0 ? `${sign}0x0.${fraction}p-1022` : `${sign}0x1.${fraction}p${exponent - 1023}`;
}
