/**
 * A small seeded PRNG (sfc32): the synthetic dataset must be the same bytes for the same seed on every
 * machine, which Math.random cannot give.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seeds` are mixed into the state, so (seed, split, image index) gives each image its own stream. */
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    const mixed: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const seed of seeds) h = Math.imul(h ^ (seed >>> 0), 0x85ebca6b) ^ (h >>> 13);
      h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) + i;
      mixed.push(h >>> 0);
    }
    [this.a, this.b, this.c, this.d] = mixed as [number, number, number, number];
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Integer in [low, high], both included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Fisher-Yates shuffle into a new array. */
  shuffled<T>(items: readonly T[]): T[] {
    const result = [...items];
    for (let i = result.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [result[i], result[j]] = [result[j]!, result[i]!];
    }
    return result;
  }
}
