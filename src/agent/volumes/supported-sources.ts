// The volume sources this agent can set up: the one list to extend when a source is implemented
// (add its field name here and its set-up in the pod storages). A pod using any other source is
// never started with the volume silently missing: setting up its volumes fails with FailedMount
// (reported as an event on the pod, retried), as kubelet does when no volume plugin matches.
import type { Volume } from 'kubernetes-types/core/v1.js';

/** Fields of core/v1 Volume (besides `name`) the agent implements. */
export const SUPPORTED_VOLUME_SOURCES: readonly string[] = [
  'emptyDir',
  'hostPath',
  'configMap',
  'secret',
  'downwardAPI',
  'projected',
  'persistentVolumeClaim',
  'ephemeral',
];

/** Fields of core/v1 VolumeProjection (a projected volume's sources) the agent implements. */
export const SUPPORTED_PROJECTED_SOURCES: readonly string[] = ['configMap', 'secret', 'downwardAPI', 'serviceAccountToken'];

export interface SupportedSources {
  volume?: readonly string[];
  projected?: readonly string[];
}

/**
 * Why this node cannot set `vol` up (kubelet-like wording), or undefined when it can. Only set
 * sources count: a field present as null is no source.
 */
export function unsupportedVolumeSource(vol: Volume, supported: SupportedSources = {}): string | undefined {
  const volumeSources = supported.volume ?? SUPPORTED_VOLUME_SOURCES;
  const projectedSources = supported.projected ?? SUPPORTED_PROJECTED_SOURCES;
  const set = (o: object): string[] =>
    Object.entries(o)
      .filter(([k, v]) => k !== 'name' && v !== undefined && v !== null)
      .map(([k]) => k);
  const sources = set(vol);
  const other = sources.find((s) => !volumeSources.includes(s));
  if (other) return `no volume plugin matched: ${other} volumes are not supported by this node (supported: ${volumeSources.join(', ')})`;
  for (const projection of vol.projected?.sources ?? []) {
    const missing = set(projection).find((s) => !projectedSources.includes(s));
    if (missing) return `projected volume source ${missing} is not supported by this node (supported: ${projectedSources.join(', ')})`;
  }
  return undefined;
}
