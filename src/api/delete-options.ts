// metav1.DeleteOptions as the client sends it and the API server reads it (kubernetes-types has it
// too, but with propagationPolicy as a plain string; the union is what both sides check against).
export interface DeleteOptions {
  apiVersion?: string;
  kind?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  orphanDependents?: boolean;
}
