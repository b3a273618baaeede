// Child process for the kill -9 test: writes forever (several in flight at once, so they batch) and
// prints "<key> <revision>" only after each write's promise resolved, i.e. after it was acknowledged.
import { openSqliteBackend } from '../sqlite-backend.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.ts <db path>');
const backend = await openSqliteBackend({ path, compactIntervalMs: 0 });

async function writer(id: number): Promise<never> {
  for (let i = 0; ; i++) {
    const key = `/crash/${id}-${i}`;
    const result = await backend.create(key, 'x'.repeat(200));
    if (!result.ok) throw new Error(`create ${key} failed`);
    process.stdout.write(`${key} ${result.revision}\n`);
  }
}

await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(writer));
