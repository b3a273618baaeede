// kubelet's /metrics/resource: the Summary's cumulative CPU and working sets in Prometheus text
// format, with kubelet's metric names, help texts and labels (each sample carries the time it was
// read, in ms). metrics-server scrapes this endpoint upstream and computes rates itself.
import type { Summary } from './types.ts';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: string[];
}

export function renderResourceMetrics(s: Summary): string {
  const fam = (name: string, help: string, type: Family['type']): Family => ({ name, help, type, samples: [] });
  const cCpu = fam('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const cMem = fam('container_memory_working_set_bytes', 'Current working set of the container in bytes', 'gauge');
  const cStart = fam('container_start_time_seconds', 'Start time of the container since unix epoch in seconds', 'gauge');
  const nCpu = fam('node_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nMem = fam('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge');
  const pCpu = fam('pod_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const pMem = fam('pod_memory_working_set_bytes', 'Current working set of the pod in bytes', 'gauge');
  const scrapeError = fam('resource_scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge');
  const add = (f: Family, l: Record<string, string>, value: number, time?: string): void => {
    f.samples.push(`${f.name}${labels(l)} ${value}${time ? ` ${Date.parse(time)}` : ''}`);
  };
  if (s.node.cpu) add(nCpu, {}, s.node.cpu.usageCoreNanoSeconds / 1e9, s.node.cpu.time);
  if (s.node.memory) add(nMem, {}, s.node.memory.workingSetBytes, s.node.memory.time);
  for (const p of s.pods) {
    const pl = { namespace: p.podRef.namespace, pod: p.podRef.name };
    if (p.cpu) add(pCpu, pl, p.cpu.usageCoreNanoSeconds / 1e9, p.cpu.time);
    if (p.memory) add(pMem, pl, p.memory.workingSetBytes, p.memory.time);
    for (const c of p.containers) {
      const cl = { container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name };
      add(cCpu, cl, c.cpu.usageCoreNanoSeconds / 1e9, c.cpu.time);
      add(cMem, cl, c.memory.workingSetBytes, c.memory.time);
      add(cStart, cl, Date.parse(c.startTime) / 1000, c.cpu.time);
    }
  }
  add(scrapeError, {}, 0);
  return (
    [cCpu, cMem, cStart, nCpu, nMem, pCpu, pMem, scrapeError]
      .map((f) => [`# HELP ${f.name} [STABLE] ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples].join('\n'))
      .join('\n') + '\n'
  );
}
