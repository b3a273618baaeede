// Helpers for Kubernetes API values (cron schedules, resource quantities) shared by the API server (validation)
// and the controllers (behaviour), so neither imports from the other.
export { CronParseError, parseCron, type CronSchedule } from './cron.ts';
export {
  QUANTITY_FORMAT_ERROR,
  Quantity,
  QuantityParseError,
  tryParseQuantity,
  tryParseQuantityValue,
  type ParsedQuantity,
  type QuantityFormat,
} from './exact-quantity.ts';
export { QuantityError, milliValue, parseQuantity, value as quantityValue } from './quantity.ts';
export {
  DEFAULT_NODE_LEASE_DURATION_SECONDS,
  KUBELET_CONFIG_NAME,
  KUBELET_CONFIG_NAMESPACE,
  kubeletConfigMap,
  leaseRenewIntervalMs,
  nodeLeaseDurationSeconds,
} from './kubelet-config.ts';
export { countedResource, formatQuantity, missingCompute, objectUsage, podIsTerminal, type CountedResource, type QuotaObject } from './quota.ts';
export { SelectorError } from './selector-error.ts';
export {
  EVERYTHING_LABELS,
  NOTHING_LABELS,
  type LabelMatcher,
  type LabelOperator,
  type LabelRequirement,
  type LabelSet,
  type Labels,
} from './label-matcher.ts';
export { parseLabelSelector } from './label-selector.ts';
export {
  isEmptySelector,
  labelSelectorFromObject,
  selectorMatcher,
  type LabelMatch,
  type LabelSelectorObject,
} from './label-selector-object.ts';
export { nodeSelectorTermMatches, nodeSelectorTermsMatch } from './node-selector.ts';
export { firstUntolerated, tolerates, toleratesTaint } from './tolerations.ts';
export { microTime, rfc3339 } from './time.ts';
export type { DeleteOptions } from './delete-options.ts';
export { isQualifiedName, labelKeyErrors, labelValueErrors } from './label-validation.ts';
