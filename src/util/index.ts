// Small mechanisms shared by components that have nothing else in common (no Kubernetes semantics:
// those live in src/api).
export { processExists } from './process.ts';
export { createFakeClock, realClock, sleep, systemClock, type Clock, type FakeClock, type TimerHandle } from './clock.ts';
