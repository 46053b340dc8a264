/**
 * Formats a number exactly as C's printf("%g") and Python's `'%g' % x` do: 6 significant digits,
 * trailing zeros removed, exponent form when the decimal exponent is < -4 or >= 6.
 *
 * Number.prototype.toExponential rounds correctly, except that it breaks exact ties upwards while
 * C and Python round them to even. Ties are rare (the double must equal a 7-digit decimal ending in 5),
 * so they are detected cheaply and settled with exact BigInt arithmetic.
 */
export function formatPercentG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  const fast = a >= 1e-4 && a < 1e6 ? fixedFast(a) : undefined;
  if (fast !== undefined) return sign + fast;
  const { digits, exponent } = sixSignificantDigits(a);
  return sign + layoutPercentG(digits, exponent);
}

const powersOfTen = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const leadingZeros = ['', '0.', '0.0', '0.00', '0.000'];

/**
 * The common case (normalised box coordinates) without strings in the arithmetic: scale to 6 integer
 * digits with one multiplication by an exact power of ten. Its rounding error is below 1e-10, so unless
 * the scaled value lies within 1e-9 of a rounding midpoint, Math.round gives the correctly rounded digits.
 * undefined: a midpoint, a carry into a 7th digit, or an exponent outside the fixed-notation range; the
 * exact path handles those.
 */
function fixedFast(a: number): string | undefined {
  const exponent = Math.floor(Math.log10(a));
  if (exponent < -4 || exponent > 5) return undefined;
  const scaled = a * powersOfTen[5 - exponent]!;
  if (scaled < 99_999.5 || scaled >= 999_999.5) return undefined;
  if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-9) return undefined;
  let digits = Math.round(scaled);
  let kept = 6;
  while (digits % 10 === 0) {
    digits /= 10;
    kept--;
  }
  const text = String(digits);
  if (exponent < 0) return leadingZeros[-exponent] + text;
  if (kept <= exponent + 1) return text + '0'.repeat(exponent + 1 - kept);
  return `${text.slice(0, exponent + 1)}.${text.slice(exponent + 1)}`;
}

/** The 6 significant digits of a positive finite number and the decimal exponent of the first one. */
function sixSignificantDigits(a: number): { digits: string; exponent: number } {
  const seven = a.toExponential(6); // "d.dddddde±X", correctly rounded to 7 digits
  const seventh = seven.charCodeAt(7) - 48;
  const kept = seven[0]! + seven.slice(2, 7);
  const exponent = Number(seven.slice(9));
  // A 7th digit other than 5 tells the exact value's side of the 6-digit midpoint, so rounding it again is safe.
  if (seventh < 5) return { digits: kept, exponent };
  if (seventh > 5) return roundUp(kept, exponent);
  // Near the midpoint: let toExponential(5) round from the exact value, then undo its upward tie-break where
  // the value is an exact tie and the kept digit is even.
  if ((kept.charCodeAt(5) - 48) % 2 === 0 && isExactly(a, seven)) return { digits: kept, exponent };
  const six = a.toExponential(5);
  return { digits: six[0]! + six.slice(2, 7), exponent: Number(six.slice(8)) };
}

function roundUp(digits: string, exponent: number): { digits: string; exponent: number } {
  const next = Number(digits) + 1;
  return next === 1_000_000 ? { digits: '100000', exponent: exponent + 1 } : { digits: String(next), exponent };
}

function layoutPercentG(digits: string, exponent: number): string {
  if (exponent < -4 || exponent >= 6) {
    const fraction = stripTrailingZeros(digits.slice(1));
    const mantissa = fraction ? `${digits[0]}.${fraction}` : digits[0]!;
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent >= 0) {
    const fraction = stripTrailingZeros(digits.slice(exponent + 1));
    const whole = digits.slice(0, exponent + 1);
    return fraction ? `${whole}.${fraction}` : whole;
  }
  return `0.${'0'.repeat(-exponent - 1)}${stripTrailingZeros(digits)}`;
}

function stripTrailingZeros(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 48) end--;
  return text.slice(0, end);
}

/** Whether the double `a` equals the decimal written in exponent form `text` with no rounding at all. */
function isExactly(a: number, text: string): boolean {
  if (Number(text) !== a) return false; // cheap necessary condition
  const [mantissaText, exponentText] = text.split('e') as [string, string];
  const decimalDigits = BigInt(mantissaText.replace('.', ''));
  const decimalExponent = Number(exponentText) - (mantissaText.length - 2);
  const { mantissa, binaryExponent } = decompose(a);
  // decimalDigits * 10^decimalExponent === mantissa * 2^binaryExponent, with every power moved to a non-negative side.
  let left = decimalDigits;
  let right = mantissa;
  if (decimalExponent >= 0) left *= 10n ** BigInt(decimalExponent);
  else right *= 10n ** BigInt(-decimalExponent);
  if (binaryExponent >= 0) right *= 2n ** BigInt(binaryExponent);
  else left *= 2n ** BigInt(-binaryExponent);
  return left === right;
}

/** a = mantissa * 2^binaryExponent exactly, for a positive finite double. */
function decompose(a: number): { mantissa: bigint; binaryExponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0
    ? { mantissa: fraction, binaryExponent: -1074 }
    : { mantissa: fraction | (1n << 52n), binaryExponent: biased - 1075 };
}
