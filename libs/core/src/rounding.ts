/**
 * Python's rounding rules, which Ultralytics' geometry and result files depend on. JavaScript's Math.round and
 * toFixed round ties upwards; Python rounds exact ties to the even neighbour.
 */

/** Python's built-in round(x): nearest integer, exact .5 ties to the even integer. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Python's round(x, digits) for small digit counts: the decimal nearest to the exact binary value of x, with exact
 * ties (only possible when x * 2 * 10^digits is an odd integer) going to the even last digit.
 */
export function roundDecimals(x: number, digits: number): number {
  // Fast path (the evaluator rounds five numbers per detection): away from a tie, x * 10^digits is off by far less
  // than the margin, so Math.round finds the same integer n that toFixed would, and n / 10^digits is the double
  // nearest that decimal, as Number(toFixed) is.
  const scale = 10 ** digits;
  const scaled = x * scale;
  const frac = scaled - Math.floor(scaled);
  if (Math.abs(frac - 0.5) > 1e-6 && Math.abs(scaled) < 2 ** 40) return Math.round(scaled) / scale;
  const fixed = Number(x.toFixed(digits));
  const twice = x * 2 * scale;
  const exactTie = Number.isInteger(twice) && Math.abs(twice % 2) === 1 && twice / (2 * scale) === x;
  if (!exactTie) return fixed;
  return Number((roundHalfEven(twice / 2) / scale).toFixed(digits));
}
