// What every ContainerRuntime does alike (conmon for real nodes, hollow for simulated ones), so the
// pod workers behave the same on both: a sandbox gets an IP from the node's subnet; a container
// goes created → running → exited; stopping a container that ignores SIGTERM ends it within the
// grace period; a container's own exit code is reported; removal is idempotent and forgets it.
// The spec carries a real command and the hollow runtime's exit labels, so each runtime runs the
// same container its own way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ContainerRuntime, ContainerSpec, ContainerStatus } from './types.ts';

export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** The node's pod subnet prefix, e.g. "10.42.7." */
  ipPrefix: string;
  image: string;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the contract; `get` is called once at the start of each test (after the caller's before hook). */
export function describeContainerRuntime(name: string, get: () => RuntimeUnderTest): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    it('sandbox, then a container created → running → stopped within its grace → removed', async () => {
      const { runtime: rt, ipPrefix, image } = get();
      const status = (id: string): Promise<ContainerStatus | undefined> => rt.containerStatus(id);
      const uid = `contract-${randomBytes(4).toString('hex')}`;
      const sandbox = await rt.createSandbox({ podUid: uid, podName: 'contract', namespace: 'default' });
      assert.ok(sandbox.ip.startsWith(ipPrefix), `${sandbox.ip} in ${ipPrefix}0/24`);
      assert.ok((await rt.listSandboxes()).some((s) => s.podUid === uid));

      // `sleep` as a container's first process ignores SIGTERM: only the SIGKILL after the grace ends it.
      const spec: ContainerSpec = { podUid: uid, name: 'sleeper', image, command: ['sleep', '1000'] };
      const id = await rt.createContainer(spec);
      assert.equal((await status(id))?.state, 'created');
      await rt.startContainer(id);
      assert.equal((await status(id))?.state, 'running');
      assert.ok((await rt.listContainers()).some((c) => c.id === id && c.podUid === uid && c.name === 'sleeper'));
      await rt.stopContainer(id, 1);
      const stopped = await status(id);
      assert.equal(stopped?.state, 'exited');
      assert.ok(stopped?.exitCode === 137 || stopped?.exitCode === 143, `exit code ${stopped?.exitCode}`);

      await rt.removeContainer(id);
      await rt.removeContainer(id);
      assert.equal(await status(id), undefined);
      assert.ok(!(await rt.listContainers()).some((c) => c.id === id));
      await rt.removeSandbox(uid);
      await rt.removeSandbox(uid);
      assert.ok(!(await rt.listSandboxes()).some((s) => s.podUid === uid));
    });

    it('a container that exits by itself reports its exit code', async () => {
      const { runtime: rt, image } = get();
      const status = (id: string): Promise<ContainerStatus | undefined> => rt.containerStatus(id);
      const uid = `contract-${randomBytes(4).toString('hex')}`;
      await rt.createSandbox({ podUid: uid, podName: 'contract-exit', namespace: 'default' });
      const id = await rt.createContainer({
        podUid: uid,
        name: 'quitter',
        image,
        command: ['sh', '-c', 'exit 3'],
        labels: { 'peapod.dev/hollow-exit-after-seconds': '0', 'peapod.dev/hollow-exit-code': '3' },
      });
      await rt.startContainer(id);
      await until('the container to exit', async () => (await status(id))?.state === 'exited');
      assert.equal((await status(id))?.exitCode, 3);
      await rt.removeContainer(id);
      await rt.removeSandbox(uid);
    });
  });
}
