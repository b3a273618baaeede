// A LIST of all pods in a worker thread of its own (plain JS: workers do not inherit tsx). The
// churn bench runs it here so that parsing a multi-megabyte body — 100 ms and more of JSON.parse —
// stalls this thread, not the one that times the mutating calls: what is measured is the server.
// workerData: { url, token, ca, everyMs, firstAtMs }; posts { ms, at (epoch ms it was due) } or { error } per LIST until the
// parent terminates it.
import { request } from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';

const { url, token, ca, everyMs, firstAtMs } = workerData;

function listPods() {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/pods', url), { ca, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`LIST answered ${res.statusCode}`));
        const list = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(list.items.length);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const t0 = performance.now();
for (let k = 0; ; k++) {
  const due = t0 + firstAtMs + k * everyMs;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  try {
    await listPods();
    parentPort.postMessage({ ms: performance.now() - due, at: performance.timeOrigin + due });
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
  }
}
