/** The function table: every function an expression may call, by lower-case name. */
import { MATH_FUNCTIONS } from './fn-math.js';
import { MISC_FUNCTIONS } from './fn-misc.js';
import { TEXT_FUNCTIONS } from './fn-text.js';
import type { FnDef } from './fnkit.js';

export const FUNCTIONS: ReadonlyMap<string, FnDef> = new Map(Object.entries({ ...TEXT_FUNCTIONS, ...MATH_FUNCTIONS, ...MISC_FUNCTIONS }));

/** Names and signatures, for docs and `quiver` help. */
export function functionSignatures(): string[] {
  return [...FUNCTIONS.values()].map((f) => f.sig);
}
