// `node pki-child.js <dir> <{"hosts": [...], "now": ms}>`: writes the PKI ensurePki found missing or
// unusable, in a process of its own so the X.509 library never loads into the caller (certs.ts).
import { writePki } from './certs.ts';

const [dir, json] = process.argv.slice(2);
if (!dir || !json) {
  process.stderr.write('usage: pki-child <dir> <json options>\n');
  process.exit(2);
}
const { hosts, now } = JSON.parse(json) as { hosts: string[]; now: number };
try {
  await writePki(dir, hosts, new Date(now));
} catch (e) {
  // One line for the parent's error (ensurePki quotes it), not a stack.
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
