// Parses the `labelSelector` query syntax exactly as apimachinery labels.Parse does, including its
// error messages (kubectl prints them verbatim):
//
//   <selector>    ::= <requirement> | <requirement> "," <selector>
//   <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
//
// Whitespace separates tokens and is otherwise ignored; `in`/`notin` are keywords only where an
// operator is expected, so `a in (in)` and `a=notin` are fine.

import { SelectorError } from './selector-error.ts';
import { invalidValue, labelKeyErrors } from './label-validation.ts';
import { matcherOf, newRequirement, type LabelMatcher, type LabelOperator, type LabelRequirement } from './label-matcher.ts';

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Tok;
  lit: string;
}

const KEYWORDS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

// Order matters: upstream's message lists them as `in, notin, =, ==, !=, gt, lt`.
const BINARY_OPERATORS: Partial<Record<Tok, LabelOperator>> = {
  in: 'in',
  notin: 'notin',
  '=': '=',
  '==': '==',
  '!=': '!=',
  '>': 'gt',
  '<': 'lt',
};
const BINARY_NAMES = 'in, notin, =, ==, !=, gt, lt';

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos] ?? '')) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const start = pos;
    if (isSpecial(s[pos] ?? '')) {
      // Longest run of special characters that is still an operator ("!=" but not "!(").
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos] ?? '')) {
        const tok = KEYWORDS.get(s.slice(start, pos + 1));
        if (tok) last = { tok, lit: s.slice(start, pos + 1) };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${s.slice(start, pos)}'` });
    } else {
      while (pos < s.length && !isSpecial(s[pos] ?? '') && !isWhitespace(s[pos] ?? '')) pos++;
      const lit = s.slice(start, pos);
      items.push({ tok: KEYWORDS.get(lit) ?? 'id', lit });
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: readonly Item[]) {}

  // In a value position the keywords `in`/`notin` are plain identifiers.
  private peek(values = true): Item {
    const item = this.items[Math.min(this.pos, this.items.length - 1)] ?? { tok: 'eos', lit: '' };
    return values && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'id', lit: item.lit } : item;
  }

  private next(values = true): Item {
    const item = this.peek(values);
    this.pos++;
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') {
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.requirement());
      } catch (err) {
        if (err instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = this.next();
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== 'id' && following.tok !== '!') {
        throw new SelectorError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let item = this.next();
    const negated = item.tok === '!';
    if (negated) item = this.next();
    if (item.tok !== 'id') throw new SelectorError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length > 0) throw new SelectorError(invalidValue('<nil>', key, keyErrs.join('; ')));
    const la = this.peek().tok;
    if (negated) return newRequirement(key, '!', []);
    if (la === 'eos' || la === ',') return newRequirement(key, 'exists', []);

    const opItem = this.next(false);
    const op = BINARY_OPERATORS[opItem.tok];
    if (!op) throw new SelectorError(`found '${opItem.lit}', expected: ${BINARY_NAMES}`);
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, [...new Set(values)].sort());
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek();
    if (tok === ')') {
      this.next();
      return [''];
    }
    if (tok !== 'id' && tok !== ',') throw new SelectorError(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    // Upstream reports the first token inside the parentheses here, not the offending one.
    if (this.next().tok !== ')') throw new SelectorError(`found '${lit}', expected: ')'`);
    return values;
  }

  // A comma-separated list in which empty entries stand for the empty value: `(a,,b)`, `(,a)`.
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const item = this.next();
      if (item.tok === 'id') {
        values.push(item.lit);
        const la = this.peek();
        if (la.tok === ',') continue;
        if (la.tok === ')') return values;
        throw new SelectorError(`found '${la.lit}', expected: ',' or ')'`);
      }
      if (item.tok !== ',') throw new SelectorError(`found '${item.lit}', expected: ',', or identifier`);
      if (values.length === 0) values.push('');
      const la = this.peek();
      if (la.tok === ')') {
        values.push('');
        return values;
      }
      if (la.tok === ',') {
        this.next();
        values.push('');
      }
    }
  }

  private exactValue(): string[] {
    const la = this.peek();
    if (la.tok === 'eos' || la.tok === ',') return [''];
    const item = this.next();
    if (item.tok === 'id') return [item.lit];
    throw new SelectorError(`found '${item.lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector string (`app=web,tier in (a,b),!canary`). The empty string selects
 * everything. Throws SelectorError with upstream's message on bad syntax or invalid keys/values.
 */
export function parseLabelSelector(selector: string): LabelMatcher {
  return matcherOf(new Parser(lex(selector)).parse());
}
