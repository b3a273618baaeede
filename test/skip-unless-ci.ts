// The one way a test skips. Locally a missing prerequisite (root, a binary, a generated table, a
// resource the server does not serve yet) skips with its reason; under CI (`CI=true`, as CI
// services set it) it fails instead, so a missing install step cannot hide behind a green run.
import type { TestContext } from 'node:test';

/** Whether skips are failures: CI=true (or 1). */
export function strictSkips(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1)$/i.test(env.CI ?? '');
}

/**
 * For `{ skip }` options: the reason when there is one and skips are allowed; false when there is
 * none. Throws under CI when there is a reason (the test file then fails with it).
 */
export function skipUnlessCI(reason: string | false | undefined, env: NodeJS.ProcessEnv = process.env): string | false {
  if (!reason) return false;
  if (strictSkips(env)) throw new Error(`CI=true: this test cannot be skipped: ${reason}`);
  return reason;
}

/** Inside a running test: skips it with `reason`, or fails it under CI. Return right after. */
export function skipTestUnlessCI(t: TestContext, reason: string): void {
  if (strictSkips()) throw new Error(`CI=true: this test cannot be skipped: ${reason}`);
  t.skip(reason);
}
