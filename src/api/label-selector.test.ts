import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVERYTHING_LABELS, NOTHING_LABELS, SelectorError, labelSelectorFromObject, parseLabelSelector, selectorMatcher } from './index.ts';

const web = { app: 'web', tier: 'frontend', version: '3' };

function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (err) {
    assert.ok(err instanceof SelectorError, `expected SelectorError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

describe('parseLabelSelector', () => {
  it('matches with each operator', () => {
    const cases: [string, boolean][] = [
      ['app=web', true],
      ['app==web', true],
      ['app=db', false],
      ['app!=db', true],
      ['app!=web', false],
      ['missing!=x', true],
      ['app in (db,web)', true],
      ['app in (db)', false],
      ['app notin (db)', true],
      ['app notin (web,db)', false],
      ['missing notin (x)', true],
      ['missing in (x)', false],
      ['app', true],
      ['missing', false],
      ['!missing', true],
      ['!app', false],
      ['version>2', true],
      ['version<3', false],
      ['app=web,tier=frontend', true],
      ['app=web,tier=backend', false],
      ['', true],
    ];
    for (const [sel, want] of cases) {
      assert.equal(parseLabelSelector(sel).matches(web), want, sel);
    }
  });

  it('tolerates whitespace and canonicalises like upstream String()', () => {
    const sel = parseLabelSelector('  tier notin ( b , a ) ,  app = web , !canary,  x in (z,y,y) ');
    assert.equal(sel.toString(), 'app=web,!canary,tier notin (a,b),x in (y,z)');
    assert.equal(sel.empty, false);
    assert.equal(parseLabelSelector('a==b,c!=d,e').toString(), 'a==b,c!=d,e');
  });

  it('treats in/notin as values where a value is expected, and allows empty values', () => {
    assert.ok(parseLabelSelector('a in (in,notin)').matches({ a: 'notin' }));
    assert.ok(parseLabelSelector('a=in').matches({ a: 'in' }));
    assert.ok(parseLabelSelector('a=').matches({ a: '' }));
    assert.ok(!parseLabelSelector('a=').matches({}));
    assert.equal(parseLabelSelector('x in (foo,,baz)').toString(), 'x in (,baz,foo)');
    assert.equal(parseLabelSelector('x notin ()').toString(), 'x notin ()');
  });

  it('is empty for the empty string and whitespace, and treats undefined labels as none', () => {
    assert.equal(parseLabelSelector('').empty, true);
    assert.equal(parseLabelSelector(' \t').empty, true);
    assert.ok(parseLabelSelector('!a').matches(undefined));
    assert.ok(!parseLabelSelector('a').matches(undefined));
    assert.ok(!parseLabelSelector('constructor').matches({}), 'prototype keys are not labels');
  });

  it('rejects bad syntax with upstream messages', () => {
    assert.equal(parseError('!'), "unable to parse requirement: found '', expected: identifier");
    assert.equal(parseError('a,'), "found '', expected: identifier after ','");
    assert.equal(parseError('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
    assert.equal(parseError('=b'), "found '=', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('a in'), "unable to parse requirement: found '' expected: '('");
    assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
    assert.equal(parseError('a in (b c)'), "unable to parse requirement: found 'c', expected: ',' or ')'");
    assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
    assert.equal(parseError('a>b'), "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer");
  });

  it('rejects invalid keys and values with upstream validation messages', () => {
    assert.equal(
      parseError('-a=b'),
      'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters, ' +
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " +
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
    assert.equal(
      parseError('a=b_'),
      'unable to parse requirement: values[0][a]: Invalid value: "b_": a valid label must be an empty string or ' +
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
    assert.match(
      parseError('Example.com/a=b'),
      /^unable to parse requirement: <nil>: Invalid value: "Example.com\/a": prefix part a lowercase RFC 1123 subdomain/,
    );
    assert.match(parseError('/a'), /<nil>: Invalid value: "\/a": prefix part must be non-empty$/);
    assert.match(parseError('k'.repeat(64)), /Invalid value: "k{64}": name part must be no more than 63 characters$/);
    assert.match(parseError('-'.repeat(64)), /name part must be no more than 63 characters; name part must consist/);
    assert.match(
      parseError('a/b/c'),
      /Invalid value: "a\/b\/c": a valid label key must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
    );
    assert.ok(parseLabelSelector('app.kubernetes.io/name=web').matches({ 'app.kubernetes.io/name': 'web' }));
  });
});

describe('labelSelectorFromObject', () => {
  it('distinguishes nil (nothing) from empty (everything)', () => {
    assert.equal(labelSelectorFromObject(undefined), NOTHING_LABELS);
    assert.equal(labelSelectorFromObject(null), NOTHING_LABELS);
    assert.equal(labelSelectorFromObject({}), EVERYTHING_LABELS);
    assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }), EVERYTHING_LABELS);
    assert.ok(!NOTHING_LABELS.matches(web) && !NOTHING_LABELS.empty);
    assert.ok(EVERYTHING_LABELS.matches(web) && EVERYTHING_LABELS.matches(undefined) && EVERYTHING_LABELS.empty);
  });

  it('ANDs matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'version', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
      ],
    });
    assert.equal(sel.toString(), 'app=web,!canary,tier in (edge,frontend),version,zone notin (b)');
    assert.ok(sel.matches(web));
    assert.ok(!sel.matches({ ...web, canary: 'true' }));
    assert.ok(!sel.matches({ ...web, zone: 'b' }));
    assert.ok(!sel.matches({ app: 'web', tier: 'frontend' }));
  });

  it('rejects bad operators and values like LabelSelectorAsSelector', () => {
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
      name: 'SelectorError',
      message: '"Gt" is not a valid label selector operator',
    });
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] }), {
      message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    });
    assert.throws(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), {
      message: 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    });
    assert.throws(() => labelSelectorFromObject({ matchLabels: { 'a b': 'c' } }), { message: /^key: Invalid value: "a b": name part/ });
  });
});

describe('selectorMatcher (selectors read from stored objects)', () => {
  it('matches nothing for a selector that does not convert, instead of ignoring the bad requirement', () => {
    const bad = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Near', values: ['x'] }] };
    assert.throws(() => labelSelectorFromObject(bad), { name: 'SelectorError', message: '"Near" is not a valid label selector operator' });
    assert.equal(selectorMatcher(bad)(web), false);
  });

  it('ANDs the extra matchLabelKeys values with the selector', () => {
    const m = selectorMatcher({ matchLabels: { app: 'web' } }, { extra: { version: '3' } });
    assert.ok(m(web));
    assert.ok(!m({ ...web, version: '4' }));
    assert.ok(!selectorMatcher(undefined, { extra: { version: '3' } })(web));
  });
});
