import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { parseCron } from '../../api/index.ts';
import { createFakeClock } from '../../client/index.ts';
import { decide, jobNameFor, mostRecentScheduleTime } from './schedule.ts';

const at = (s: string): number => Date.parse(s);
function cronJob(spec: Partial<NonNullable<CronJob['spec']>>, status: CronJob['status'] = {}): CronJob {
  return {
    metadata: { name: 'x', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: {} } }, ...spec },
    status,
  };
}
const input = (cj: CronJob, nowMs: number, active: string[] = []) => ({
  cronJob: cj,
  sched: parseCron(cj.spec?.schedule ?? ''),
  nowMs,
  active,
  existing: new Set(active),
});

test('the most recent unmet time is started, named in minutes since the epoch, and the next one requeued', () => {
  const clock = createFakeClock(at('2024-01-01T00:07:00Z'));
  const d = decide(input(cronJob({}), clock.now()));
  assert.equal(d.action, 'create');
  assert.ok(d.action === 'create');
  assert.equal(new Date(d.scheduledMs).toISOString(), '2024-01-01T00:05:00.000Z');
  assert.equal(d.jobName, `x-${at('2024-01-01T00:05:00Z') / 60_000}`);
  assert.equal(jobNameFor('x', at('2024-01-01T00:05:00Z')), 'x-28401125');
  // Next activation 00:10, three minutes away (plus a little slack).
  assert.ok(d.requeueAfterMs !== undefined && d.requeueAfterMs >= 180_000 && d.requeueAfterMs < 181_000);
  // Once lastScheduleTime records it, nothing until 00:10.
  clock.advance(60_000);
  const again = decide(input(cronJob({}, { lastScheduleTime: '2024-01-01T00:05:00Z' }), clock.now()));
  assert.equal(again.action, 'none');
  clock.advance(2 * 60_000);
  const third = decide(input(cronJob({}, { lastScheduleTime: '2024-01-01T00:05:00Z' }), clock.now()));
  assert.ok(third.action === 'create');
  assert.equal(new Date(third.scheduledMs).toISOString(), '2024-01-01T00:10:00.000Z');
});

test('nothing before the first activation after creation', () => {
  assert.deepEqual(mostRecentScheduleTime(cronJob({}), parseCron('*/5 * * * *'), at('2024-01-01T00:04:59Z')), { scheduledMs: undefined, missed: 0 });
});

test('startingDeadlineSeconds: a start missed by more than the deadline is skipped', () => {
  const cj = cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 60 });
  const late = decide(input(cj, at('2024-01-01T01:02:00Z')));
  assert.equal(late.action, 'none');
  assert.ok(late.action === 'none');
  // The deadline also bounds how far back missed times are looked for: none in the last 60 s.
  assert.equal(late.event, undefined);
  const inTime = decide(input(cj, at('2024-01-01T01:00:30Z')));
  assert.equal(inTime.action, 'create');
  const cj2 = cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 200 });
  assert.equal(decide(input(cj2, at('2024-01-01T01:03:30Z'))).action, 'none');
  assert.equal(decide(input(cj2, at('2024-01-01T01:03:10Z'))).action, 'create');
});

test('more than 100 missed times: warn, still start the most recent one', () => {
  const cj = cronJob({ schedule: '* * * * *' });
  const now = at('2024-01-03T00:00:30Z');
  const r = mostRecentScheduleTime(cj, parseCron('* * * * *'), now);
  assert.equal(new Date(r.scheduledMs ?? 0).toISOString(), '2024-01-03T00:00:00.000Z');
  assert.ok(r.missed > 100);
  const d = decide(input(cj, now));
  assert.ok(d.action === 'create');
  assert.equal(d.warning?.reason, 'TooManyMissedTimes');
  // With a deadline the window is short and nothing is reported.
  const bounded = decide(input(cronJob({ schedule: '* * * * *', startingDeadlineSeconds: 120 }), now));
  assert.ok(bounded.action === 'create' && bounded.warning === undefined);
});

test('concurrency policies: Allow starts beside, Forbid waits, Replace replaces', () => {
  const now = at('2024-01-01T00:05:10Z');
  const allow = decide(input(cronJob({ concurrencyPolicy: 'Allow' }), now, ['x-old']));
  assert.ok(allow.action === 'create');
  assert.deepEqual(allow.replace, []);
  const forbid = decide(input(cronJob({ concurrencyPolicy: 'Forbid' }), now, ['x-old']));
  assert.ok(forbid.action === 'none');
  assert.equal(forbid.event?.reason, 'JobAlreadyActive');
  const replace = decide(input(cronJob({ concurrencyPolicy: 'Replace' }), now, ['x-old']));
  assert.ok(replace.action === 'create');
  assert.deepEqual(replace.replace, ['x-old']);
});

test('suspend starts nothing; an existing Job of the scheduled name is not recreated', () => {
  const now = at('2024-01-01T00:05:10Z');
  assert.deepEqual(decide(input(cronJob({ suspend: true }), now)), { action: 'none' });
  const existing = { ...input(cronJob({}), now), existing: new Set([jobNameFor('x', at('2024-01-01T00:05:00Z'))]) };
  const d = decide(existing);
  assert.ok(d.action === 'none');
  assert.equal(d.startedMs, at('2024-01-01T00:05:00Z'));
});
