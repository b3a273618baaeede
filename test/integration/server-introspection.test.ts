// What `/version` and `/metrics` tell a user about the server: the real platform, and open watches
// counted per resource as upstream's apiserver_longrunning_requests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { arch } from 'node:os';
import { API_ONLY, eventually, kubectlOk, startServer, type TestServer } from './harness.ts';

let server: TestServer;
before(async () => {
  server = await startServer({ args: API_ONLY });
});
after(async () => {
  await server?.stop();
});

describe('server introspection', () => {
  it('/version reports the platform the server runs on', async () => {
    const version = JSON.parse(await kubectlOk(server, ['version', '-o', 'json'])) as { serverVersion: { platform: string } };
    const goArch = ({ x64: 'amd64', arm64: 'arm64', ia32: '386' } as Record<string, string>)[arch()] ?? arch();
    assert.equal(version.serverVersion.platform, `${process.platform}/${goArch}`);
  });

  it('apiserver_longrunning_requests counts open watches by resource', async () => {
    const gauge = async (): Promise<string[]> =>
      (await kubectlOk(server, ['get', '--raw', '/metrics'])).split('\n').filter((l) => l.startsWith('apiserver_longrunning_requests{'));
    const watch = spawn('kubectl', ['get', 'configmaps', '-n', 'default', '--watch'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KUBECONFIG: server.kubeconfig, HOME: server.dataDir },
      stdio: 'ignore',
    });
    try {
      const lines = await eventually('a watch on configmaps counted', async () => {
        const l = await gauge();
        return l.some((x) => x.includes('resource="configmaps"')) ? l : undefined;
      });
      const line = lines.find((x) => x.includes('resource="configmaps"'))!;
      assert.match(line, /verb="WATCH"/);
      assert.match(line, /scope="namespace"/);
      assert.match(line, /version="v1"/);
      assert.match(line, /\} 1$/);
    } finally {
      watch.kill();
      await once(watch, 'exit');
    }
    await eventually('the closed watch no longer counted', async () => !(await gauge()).some((x) => x.includes('resource="configmaps"')));
  });
});
