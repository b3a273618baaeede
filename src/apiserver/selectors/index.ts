export { SelectorError } from './selector-error.ts';
export {
  parseLabelSelector,
  labelSelectorFromObject,
  EVERYTHING_LABELS,
  NOTHING_LABELS,
  type LabelMatcher,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelectorObject,
  type Labels,
} from './label-selector.ts';
export {
  parseFieldSelector,
  validateFields,
  escapeFieldValue,
  unescapeFieldValue,
  type FieldRequirement,
  type FieldSelector,
} from './field-selector.ts';
