// Public surface of the client: the only way Peapod's scheduler, controllers and agent reach the
// API server.

export * from './types.ts';
export { createFakeClock, realClock, sleep, systemClock, type Clock, type FakeClock, type TimerHandle } from '../util/index.ts';
export * from './errors.ts';
export * from './resources.ts';
export * from './rest-client.ts';
export { splitServers } from './failover-transport.ts';
export * from './store.ts';
export * from './informer.ts';
export * from './informer-factory.ts';
export * from './rate-limiter.ts';
export * from './workqueue.ts';
export * from './expectations.ts';
export * from './controller.ts';
export * from './events.ts';
export * from './leader-election.ts';
