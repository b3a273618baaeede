// Field selectors are the API server's own (each resource declares its fields); label selectors are
// Kubernetes value semantics every component shares, so they live in src/api and are re-exported
// here for the request handlers.
export {
  SelectorError,
  parseLabelSelector,
  labelSelectorFromObject,
  EVERYTHING_LABELS,
  NOTHING_LABELS,
  type LabelMatcher,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelectorObject,
  type Labels,
} from '../../api/index.ts';
export {
  parseFieldSelector,
  validateFields,
  escapeFieldValue,
  unescapeFieldValue,
  type FieldRequirement,
  type FieldSelector,
} from './field-selector.ts';
