// metav1.Time and metav1.MicroTime as they appear on the wire: RFC 3339 in UTC, whole seconds for
// Time ("2026-01-01T00:00:00Z"), six fractional digits for MicroTime (Lease renewTime, Event
// eventTime, managedFields use Time). Every component writes timestamps through these.

/** metav1.Time: RFC 3339, UTC, second precision (the milliseconds are dropped, as Go truncates). */
export function rfc3339(t: Date | number | string = new Date()): string {
  return (t instanceof Date ? t : new Date(t)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339, UTC, microseconds (our clocks have milliseconds; the rest is 000). */
export function microTime(t: Date | number): string {
  return (t instanceof Date ? t : new Date(t)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
