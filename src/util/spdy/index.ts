// A small SPDY/3.1 codec: what kubectl port-forward needs (frames, header blocks, dictionary).
export * from './frames.ts';
export * from './header-block.ts';
export { SPDY_DICTIONARY } from './dictionary.ts';
