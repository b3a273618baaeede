// Label key/value validation with the messages of apimachinery's validation (IsQualifiedName,
// IsValidLabelValue, IsDNS1123Subdomain) and field.Invalid formatting, because parse errors embed
// them. The API server's object validation (apiserver/validation/labels.ts) uses the same checks.

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const DNS_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const MAX_NAME = 63;
const MAX_SUBDOMAIN = 253;

const labelKeyRe = new RegExp(`^${LABEL_KEY_FMT}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);
const subdomainRe = new RegExp(`^${DNS_SUBDOMAIN_FMT}$`);

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Returns the problems with a label key (a "qualified name"); empty when valid. */
export function labelKeyErrors(key: string): string[] {
  return qualifiedNameErrors(key, 'a valid label key');
}

/**
 * IsQualifiedName: `[prefix/]name`, as label keys, annotation keys, finalizers and taint keys;
 * empty when valid. Label selectors word the malformed case as "a valid label key" (labelKeyErrors).
 */
export function isQualifiedName(value: string): string[] {
  return qualifiedNameErrors(value, 'a qualified name');
}

function qualifiedNameErrors(key: string, noun: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      if (prefix.length > MAX_SUBDOMAIN) errs.push(`prefix part ${maxLenError(MAX_SUBDOMAIN)}`);
      if (!subdomainRe.test(prefix)) {
        errs.push(`prefix part ${regexError(DNS_SUBDOMAIN_ERR, DNS_SUBDOMAIN_FMT, 'example.com')}`);
      }
    }
  } else {
    return [
      `${noun} ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > MAX_NAME) errs.push(`name part ${maxLenError(MAX_NAME)}`);
  if (!labelKeyRe.test(name)) {
    errs.push(`name part ${regexError(LABEL_KEY_ERR, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** IsValidLabelValue: the problems with a label value; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > MAX_NAME) errs.push(maxLenError(MAX_NAME));
  if (!labelValueRe.test(value)) {
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/**
 * field.Invalid(path, value, detail).Error(). A nil path prints as `<nil>`; a string value is
 * Go-%q quoted (JSON quoting is identical for the label charset); other values are JSON.
 */
export function invalidValue(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several deduplicated in brackets. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}
