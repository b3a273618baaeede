// Small mechanisms shared by components that have nothing else in common (no Kubernetes semantics:
// those live in src/api). Larger mechanisms have their own folder, imported through its index:
// util/tls (PKI, certificates, private files) and util/spdy (SPDY/3.1 framing for port-forward).
export { processExists } from './process.ts';
export { createFakeClock, periodicGrid, realClock, sleep, systemClock, type Clock, type FakeClock, type PeriodicGrid, type TimerHandle } from './clock.ts';
export { CommandError, runCommand, signalNumber, type CommandOptions, type CommandResult } from './command.ts';
export { Lru } from './lru.ts';
export { shareEqual } from './share-equal.ts';
export { byteOrder, canonical, jsonEqual } from './compare.ts';
export { SHARED_SHAPE } from './shared-shape.ts';
export { readAll, StreamTooLargeError } from './read-all.ts';
