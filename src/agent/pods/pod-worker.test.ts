import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { HOLLOW_EXIT_AFTER, HOLLOW_EXIT_CODE } from '../hollow/hollow-runtime.ts';
import { PodManager } from './pod-manager.ts';
import { FakeApi, harness, makePod } from './testing.ts';

const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox', ...extra });
const exitAfter = (seconds: number, code: number, container?: string): Record<string, string> => {
  const sfx = container ? `.${container}` : '';
  return { [`${HOLLOW_EXIT_AFTER}${sfx}`]: String(seconds), [`${HOLLOW_EXIT_CODE}${sfx}`]: String(code) };
};
const cond = (s: PodStatus, type: string) => s.conditions?.find((x) => x.type === type);
const cs = (s: PodStatus, name = 'app') => {
  const found = [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])].find((x) => x.name === name);
  assert.ok(found, `status of ${name}`);
  return found;
};

describe('pod worker: restart-policy matrix (exit after 5 s)', () => {
  const cases: { policy: string; code: number; phase: string; restarts: boolean }[] = [
    { policy: 'Always', code: 0, phase: 'Running', restarts: true },
    { policy: 'Always', code: 1, phase: 'Running', restarts: true },
    { policy: 'OnFailure', code: 0, phase: 'Succeeded', restarts: false },
    { policy: 'OnFailure', code: 1, phase: 'Running', restarts: true },
    { policy: 'Never', code: 0, phase: 'Succeeded', restarts: false },
    { policy: 'Never', code: 1, phase: 'Failed', restarts: false },
  ];
  for (const k of cases) {
    test(`${k.policy} × exit ${k.code} → ${k.phase}`, async () => {
      const h = await harness();
      const pod = makePod('p', { containers: [c('app')], restartPolicy: k.policy }, exitAfter(5, k.code));
      h.manager.onPodUpdate(pod);
      await h.manager.settled();
      let s = h.api.last('p');
      assert.equal(s.phase, 'Running');
      assert.ok(cs(s).state?.running);
      assert.equal(cs(s).ready, true);
      assert.equal(cond(s, 'Ready')?.status, 'True');

      await h.advance(5_000); // first exit: restarted at once when the policy allows
      await h.advance(5_000); // second exit: now in CrashLoopBackOff
      s = h.api.last('p');
      assert.equal(s.phase, k.phase);
      const st = cs(s);
      assert.equal(st.ready, false);
      const reason = k.code === 0 ? 'Completed' : 'Error';
      if (k.restarts) {
        assert.equal(st.restartCount, 1);
        assert.equal(st.state?.waiting?.reason, 'CrashLoopBackOff');
        assert.equal(st.state?.waiting?.message, `back-off 10s restarting failed container=app pod=p_default(${pod.metadata?.uid})`);
        assert.equal(st.lastState?.terminated?.exitCode, k.code);
        assert.equal(st.lastState?.terminated?.reason, reason);
        assert.equal(cond(s, 'ContainersReady')?.message, 'containers with unready status: [app]');
        assert.equal(cond(s, 'Ready')?.reason, 'ContainersNotReady');
      } else {
        assert.equal(st.restartCount, 0);
        assert.equal(st.state?.terminated?.exitCode, k.code);
        assert.equal(st.state?.terminated?.reason, reason);
        assert.match(st.state?.terminated?.containerID ?? '', /^hollow:\/\/[0-9a-f]+$/);
        assert.deepEqual(st.lastState, {});
        assert.equal(cond(s, 'Ready')?.reason, k.phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed');
        assert.equal(h.runtime.sandboxCount, 0, 'a terminal pod gives its IP back');
        assert.equal(h.api.deleted.length, 0, 'a terminal pod is not deleted by the agent');
      }
    });
  }
});

describe('pod worker: status as upstream', () => {
  test('a running pod: conditions, IPs, QoS, container fields', async () => {
    const h = await harness();
    const pod = makePod('web', { containers: [c('app', { resources: { limits: { cpu: '1', memory: '1Gi' } } })] });
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    const s = h.api.last('web');
    assert.equal(s.phase, 'Running');
    assert.deepEqual(
      s.conditions?.map((x) => [x.type, x.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.equal(s.podIP, '10.42.0.2');
    assert.deepEqual(s.podIPs, [{ ip: '10.42.0.2' }]);
    assert.equal(s.hostIP, '192.0.2.10');
    assert.equal(s.qosClass, 'Guaranteed');
    assert.equal(s.startTime, '2026-01-01T00:00:00Z');
    const st = cs(s);
    assert.deepEqual(st.state, { running: { startedAt: '2026-01-01T00:00:00Z' } });
    assert.equal(st.started, true);
    assert.equal(st.image, 'busybox');
    assert.match(st.containerID ?? '', /^hollow:\/\//);
    const sent = h.api.statuses.length;
    h.manager.onPodUpdate({ ...pod, status: s, metadata: { ...pod.metadata, resourceVersion: '2' } });
    await h.advance(30_000);
    assert.equal(h.api.statuses.length, sent, 'no update when nothing changed');
  });

  test('activeDeadlineSeconds → Failed, reason DeadlineExceeded', async () => {
    const h = await harness();
    h.manager.onPodUpdate(makePod('dl', { containers: [c('app')], activeDeadlineSeconds: 5 }));
    await h.manager.settled();
    assert.equal(h.api.last('dl').phase, 'Running');
    await h.advance(5_000);
    const s = h.api.last('dl');
    assert.equal(s.phase, 'Failed');
    assert.equal(s.reason, 'DeadlineExceeded');
    assert.equal(s.message, 'Pod was active on the node longer than the specified deadline');
    assert.ok(cs(s).state?.terminated);
  });

  test('missing image with pullPolicy Never → ErrImageNeverPull; missing configMap → CreateContainerConfigError', async () => {
    const h = await harness({ imageExists: (ref) => ref !== 'nope:1' });
    h.manager.onPodUpdate(makePod('img', { containers: [c('app', { image: 'nope:1', imagePullPolicy: 'Never' })] }));
    h.manager.onPodUpdate(makePod('cm', { containers: [c('app', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] })] }));
    await h.manager.settled();
    const img = cs(h.api.last('img'));
    assert.deepEqual(img.state?.waiting, { reason: 'ErrImageNeverPull', message: 'Container image "nope:1" is not present with pull policy of Never' });
    assert.equal(h.api.last('img').phase, 'Pending');
    const cm = cs(h.api.last('cm'));
    assert.deepEqual(cm.state?.waiting, { reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found' });
    assert.ok(h.api.events.some((e) => e.name === 'cm' && e.reason === 'Failed' && e.message === 'Error: configmap "cfg" not found'));
    h.api.configMaps.set('default/cfg', { metadata: { name: 'cfg' }, data: { k: 'v' } });
    await h.advance(10_000);
    assert.ok(cs(h.api.last('cm')).state?.running, 'retried once the configMap exists');
  });
});

describe('pod worker: init containers', () => {
  test('Never + all succeed → Succeeded, Initialized True, init statuses terminated 0', async () => {
    const h = await harness();
    h.manager.onPodUpdate(makePod('i', { initContainers: [c('init1'), c('init2')], containers: [c('app')], restartPolicy: 'Never' }, exitAfter(0, 0)));
    await h.manager.settled();
    const s = h.api.last('i');
    assert.equal(s.phase, 'Succeeded');
    assert.equal(cond(s, 'Initialized')?.status, 'True');
    assert.deepEqual(
      s.initContainerStatuses?.map((x) => [x.name, x.state?.terminated?.exitCode, x.state?.terminated?.reason]),
      [
        ['init1', 0, 'Completed'],
        ['init2', 0, 'Completed'],
      ],
    );
  });

  test('Always + init1 fails → Pending, app PodInitializing, init1 restarts with back-off', async () => {
    const h = await harness();
    const pod = makePod('i', { initContainers: [c('init1'), c('init2')], containers: [c('app')], restartPolicy: 'Always' }, exitAfter(0, 1, 'init1'));
    h.manager.onPodUpdate(pod);
    await h.advance(40_000);
    const s = h.api.last('i');
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(cs(s, 'app').state?.waiting, { reason: 'PodInitializing' });
    assert.deepEqual(cs(s, 'init2').state?.waiting, { reason: 'PodInitializing' });
    assert.ok(cs(s, 'init1').restartCount >= 3, `restartCount ${cs(s, 'init1').restartCount}`);
    assert.deepEqual(cond(s, 'Initialized'), {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init1 init2]',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    assert.equal(cond(s, 'Ready')?.message, 'containers with unready status: [app]');
  });

  test('Never + init2 fails → Failed, app still waiting', async () => {
    const h = await harness();
    h.manager.onPodUpdate(
      makePod(
        'i',
        { initContainers: [c('init1'), c('init2')], containers: [c('app')], restartPolicy: 'Never' },
        { ...exitAfter(0, 0, 'init1'), ...exitAfter(0, 1, 'init2') },
      ),
    );
    await h.manager.settled();
    const s = h.api.last('i');
    assert.equal(s.phase, 'Failed');
    assert.equal(cond(s, 'Initialized')?.message, 'containers with incomplete status: [init2]');
    assert.deepEqual(cs(s, 'app').state?.waiting, { reason: 'PodInitializing' });
    assert.equal(cs(s, 'init2').state?.terminated?.exitCode, 1);
  });

  test('a native sidecar starts before the next init container and keeps running', async () => {
    const h = await harness();
    h.manager.onPodUpdate(
      makePod('sc', { initContainers: [c('side', { restartPolicy: 'Always' }), c('init1')], containers: [c('app')] }, exitAfter(0, 0, 'init1')),
    );
    await h.manager.settled();
    const s = h.api.last('sc');
    assert.equal(s.phase, 'Running');
    assert.ok(cs(s, 'side').state?.running);
    assert.equal(cs(s, 'side').started, true);
    assert.equal(cs(s, 'init1').state?.terminated?.exitCode, 0);
    assert.ok(cs(s, 'app').state?.running);
    assert.equal(cond(s, 'Ready')?.status, 'True');
  });
});

describe('pod worker: CrashLoopBackOff timing', () => {
  test('restarts at once, then after 10 s, 20 s, 40 s; capped at 5 min', async () => {
    const h = await harness();
    const pod = makePod('crash', { containers: [c('app')] }, exitAfter(0, 1));
    const t0 = h.clock.now();
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    const starts = (): number[] => h.api.events.filter((e) => e.reason === 'Started').map(() => 0);
    assert.equal(starts().length, 2, 'first start and one immediate restart');
    assert.equal(cs(h.api.last('crash')).restartCount, 1);
    await h.advance(9_000);
    assert.equal(starts().length, 2, 'still backing off after 9 s');
    await h.advance(1_000);
    assert.equal(starts().length, 3);
    assert.equal(cs(h.api.last('crash')).state?.waiting?.message?.startsWith('back-off 20s'), true);
    await h.advance(19_000);
    assert.equal(starts().length, 3);
    await h.advance(1_000);
    assert.equal(starts().length, 4);
    assert.equal(cs(h.api.last('crash')).state?.waiting?.message?.startsWith('back-off 40s'), true);
    await h.advance(40_000 + 80_000 + 160_000 + 300_000);
    assert.equal(cs(h.api.last('crash')).state?.waiting?.message?.startsWith('back-off 5m0s'), true);
    assert.equal(h.api.last('crash').phase, 'Running');
    assert.ok(h.clock.now() > t0);
  });
});

describe('pod worker: termination', () => {
  test('deletion stops app containers, then sidecars, removes the sandbox, then finishDeletion', async () => {
    const h = await harness();
    const pod = makePod('del', { initContainers: [c('side', { restartPolicy: 'Always' })], containers: [c('a'), c('b')] });
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    const stopped: string[] = [];
    const info = new Map((await h.runtime.listContainers()).map((x) => [x.id, x.name]));
    const stop = h.runtime.stopContainer.bind(h.runtime);
    h.runtime.stopContainer = async (id, grace, sig) => {
      stopped.push(`${info.get(id)}:${grace}`);
      return stop(id, grace, sig);
    };
    let atDeletion: { containers: number; sandboxes: number } | undefined;
    h.api.onFinishDeletion = () => {
      atDeletion = { containers: -1, sandboxes: h.runtime.sandboxCount };
      void h.runtime.listContainers().then((l) => atDeletion && (atDeletion.containers = l.length));
    };
    h.manager.onPodUpdate({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 15 } });
    await h.manager.settled();
    assert.deepEqual(stopped.slice(0, 2).sort(), ['a:15', 'b:15']);
    assert.equal(stopped[2]?.startsWith('side:'), true, 'sidecar stopped last');
    assert.deepEqual(h.api.deleted, ['del']);
    assert.deepEqual(atDeletion, { containers: 0, sandboxes: 0 });
    assert.equal(h.manager.workerPhase(pod.metadata?.uid ?? ''), undefined, 'worker gone');
    const s = h.api.last('del');
    assert.ok(cs(s, 'a').state?.terminated, 'final status shows terminated containers');
  });

  test('informer delete (object gone) cleans up without finishDeletion', async () => {
    const h = await harness();
    const pod = makePod('gone', { containers: [c('app')] });
    h.manager.onPodUpdate(pod);
    await h.manager.settled();
    h.manager.onPodDelete(pod);
    await h.manager.settled();
    assert.deepEqual(h.api.deleted, []);
    assert.equal((await h.runtime.listContainers()).length, 0);
    assert.equal(h.runtime.sandboxCount, 0);
  });
});

describe('pod worker: concurrency and adoption', () => {
  test('latest spec wins and syncs of one pod never overlap', async () => {
    const h = await harness();
    let inFlight = 0;
    let maxInFlight = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const create = h.runtime.createSandbox.bind(h.runtime);
    h.runtime.createSandbox = async (cfg) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await gate;
      inFlight--;
      return create(cfg);
    };
    const v1 = makePod('l', { containers: [c('app')] });
    const at = (rv: string, gate: string): Pod => ({
      ...v1,
      metadata: { ...v1.metadata, resourceVersion: rv },
      spec: { ...v1.spec, containers: [c('app')], readinessGates: [{ conditionType: gate }] },
    });
    h.manager.onPodUpdate(at('1', 'one'));
    await new Promise((r) => setImmediate(r));
    h.manager.onPodUpdate(at('2', 'two'));
    h.manager.onPodUpdate(at('3', 'three'));
    release();
    await h.manager.settled();
    assert.equal(maxInFlight, 1);
    assert.deepEqual(
      h.api.statuses.map((s) => s.rv),
      ['1', '3'],
      'the superseded spec is never synced',
    );
    assert.equal(cond(h.api.last('l'), 'Ready')?.message, 'corresponding condition of pod readiness gate "three" does not exist.');
  });

  test('a restarted agent adopts running containers with the same restartCount', async () => {
    const h = await harness();
    const pod = makePod('ad', { containers: [c('app')] }, exitAfter(30, 1));
    h.manager.onPodUpdate(pod);
    await h.advance(30_000); // exit → immediate restart (1)
    await h.advance(40_000); // exit at 60 s → back-off 10 s → restart (2) at 70 s
    const before = cs(h.api.last('ad'));
    assert.equal(before.restartCount, 2);
    assert.ok(before.state?.running);
    h.abort.abort();

    const api = new FakeApi();
    const manager = new PodManager({ runtime: h.runtime, api, storage: h.storage, clock: h.clock });
    await manager.start(new AbortController().signal);
    manager.onPodUpdate({ ...pod, status: h.api.last('ad') });
    await manager.settled();
    const after = cs(api.statuses.at(-1)?.status ?? {});
    assert.equal(after.restartCount, 2);
    assert.equal(after.containerID, before.containerID);
    assert.deepEqual(after.state, before.state);
    assert.equal(api.events.filter((e) => e.reason === 'Started').length, 0, 'nothing restarted');
  });
});
