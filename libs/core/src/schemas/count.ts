import { z } from 'zod';

/** A whole number >= 0: counts, sizes, epochs. */
export const count = z.number().int().nonnegative();
