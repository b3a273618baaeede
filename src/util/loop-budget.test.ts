import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loopBudget } from './loop-budget.ts';

describe('loopBudget', () => {
  it('lets a loop run for its slice, then yields once and starts a new slice', async () => {
    let t = 0;
    const budget = loopBudget(2, () => t);
    assert.equal(budget.yieldIfSpent(), undefined);
    t = 1.9;
    assert.equal(budget.yieldIfSpent(), undefined);
    t = 2;
    const pause = budget.yieldIfSpent();
    assert.ok(pause instanceof Promise);
    await pause;
    assert.equal(budget.yieldIfSpent(), undefined, 'a new slice begins after the pause');
    t = 4;
    assert.ok(budget.yieldIfSpent());
  });
});
