/**
 * One CRI k8s-file log line (`<RFC3339Nano> <stdout|stderr> <P|F> <text>`) back to the text the
 * container wrote: a full line (F) ends with a newline, a partial one (P) does not.
 */
export function parseLogLine(line: string): string {
  const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/s.exec(line);
  if (!m) return `${line}\n`;
  return m[1] === 'P' ? (m[2] ?? '') : `${m[2] ?? ''}\n`;
}
