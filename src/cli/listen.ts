/** Parses `host:port`, `[v6]:port` or `:port` (all interfaces is never the default). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen: expected host:port, got ${JSON.stringify(listen)}`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port: Number(m[3]) };
}
