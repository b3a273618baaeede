import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SelectorError, escapeFieldValue, parseFieldSelector, validateFields } from './index.ts';

const pod: Record<string, string> = { 'metadata.name': 'web-1', 'spec.nodeName': 'node-a', 'status.phase': 'Running' };
const get = (f: string): string | undefined => pod[f];

describe('parseFieldSelector', () => {
  it('parses =, == and != into requirements and matches them', () => {
    const sel = parseFieldSelector('status.phase!=Failed,spec.nodeName==node-a,metadata.name=web-1');
    assert.deepEqual(sel.requirements, [
      { field: 'metadata.name', op: '=', value: 'web-1' },
      { field: 'spec.nodeName', op: '=', value: 'node-a' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
    ]);
    assert.ok(sel.matches(get));
    assert.ok(!parseFieldSelector('status.phase!=Running').matches(get));
    assert.ok(!parseFieldSelector('spec.nodeName=node-b').matches(get));
    assert.equal(sel.requiresExactMatch('spec.nodeName'), 'node-a');
    assert.equal(sel.requiresExactMatch('status.phase'), undefined);
    assert.equal(sel.toString(), 'metadata.name=web-1,spec.nodeName=node-a,status.phase!=Failed');
  });

  it('compares a missing field as the empty string', () => {
    assert.ok(parseFieldSelector('spec.schedulerName=').matches(get));
    assert.ok(parseFieldSelector('spec.schedulerName!=x').matches(get));
  });

  it('is empty for the empty string and ignores empty terms', () => {
    assert.equal(parseFieldSelector('').empty, true);
    assert.ok(parseFieldSelector('').matches(() => undefined));
    assert.equal(parseFieldSelector(',a=b,').requirements.length, 1);
  });

  it('unescapes \\, \\= and \\\\ in values', () => {
    const sel = parseFieldSelector('a=x\\,y\\=z\\\\,b=c');
    assert.deepEqual(sel.requirements, [
      { field: 'a', op: '=', value: 'x,y=z\\' },
      { field: 'b', op: '=', value: 'c' },
    ]);
    assert.equal(sel.toString(), 'a=x\\,y\\=z\\\\,b=c');
    assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
  });

  it('rejects bad input with upstream messages', () => {
    assert.throws(() => parseFieldSelector('a'), { name: 'SelectorError', message: "invalid selector: 'a'; can't understand 'a'" });
    assert.throws(() => parseFieldSelector('a=b,c'), { message: "invalid selector: 'a=b,c'; can't understand 'c'" });
    assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
    assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
  });
});

describe('validateFields', () => {
  const allowed = new Set(['metadata.name', 'spec.nodeName']);
  /** "accepted", or the error a caller would turn into a 400. */
  const verdict = (selector: string): string => {
    try {
      validateFields(parseFieldSelector(selector), allowed);
      return 'accepted';
    } catch (err) {
      assert.ok(err instanceof SelectorError);
      return err.message;
    }
  };

  it('accepts selectors on supported fields only, naming the first unsupported one like upstream', () => {
    assert.deepEqual(
      ['metadata.name=x,spec.nodeName!=y', '', 'metadata.name=x,spec.bogus=y', 'spec.Nodename=a', 'status.phase=Running,spec.bogus=y'].map(verdict),
      ['accepted', 'accepted', 'field label not supported: spec.bogus', 'field label not supported: spec.Nodename', 'field label not supported: spec.bogus'],
    );
  });
});
