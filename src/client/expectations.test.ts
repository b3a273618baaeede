import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeClock } from '../util/index.ts';
import { createExpectations, EXPECTATIONS_TTL_MS } from './expectations.ts';

describe('expectations', () => {
  it('an unknown controller is satisfied', () => {
    assert.equal(createExpectations().satisfied('ns/rs'), true);
  });

  it('creations must be observed before the controller is satisfied', () => {
    const e = createExpectations({ clock: createFakeClock() });
    e.expectCreations('ns/rs', 2);
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), true);
  });

  it('deletions, raise and set', () => {
    const e = createExpectations({ clock: createFakeClock() });
    e.setExpectations('k', 1, 1);
    e.creationObserved('k');
    assert.equal(e.satisfied('k'), false);
    e.deletionObserved('k');
    assert.equal(e.satisfied('k'), true);
    e.expectDeletions('k', 1);
    e.raiseExpectations('k', 0, 1);
    e.deletionObserved('k');
    assert.deepEqual(e.get('k'), { add: 0, del: 1, expired: false });
  });

  it('expires after the TTL so a lost event cannot wedge the controller', () => {
    const clock = createFakeClock();
    const e = createExpectations({ clock });
    e.expectCreations('k', 5);
    clock.advance(EXPECTATIONS_TTL_MS);
    assert.equal(e.satisfied('k'), false);
    clock.advance(1);
    assert.equal(e.satisfied('k'), true);
    assert.equal(e.get('k')?.expired, true);
  });

  it('UID-tracked deletions count each child once', () => {
    const e = createExpectations({ clock: createFakeClock() });
    e.expectDeletionsOf('rs', ['ns/p1', 'ns/p2']);
    e.deletionObservedOf('rs', 'ns/p1');
    e.deletionObservedOf('rs', 'ns/p1');
    e.deletionObservedOf('rs', 'ns/other');
    assert.equal(e.satisfied('rs'), false);
    e.deletionObservedOf('rs', 'ns/p2');
    assert.equal(e.satisfied('rs'), true);
  });

  it('delete forgets the controller', () => {
    const e = createExpectations({ clock: createFakeClock() });
    e.expectCreations('k', 1);
    e.delete('k');
    assert.equal(e.satisfied('k'), true);
    assert.equal(e.get('k'), undefined);
  });
});
