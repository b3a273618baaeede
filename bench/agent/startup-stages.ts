// The per-stage breakdown of the pod-startup bench: the agent logs one line per new pod with the
// time it first saw the pod (wall clock) and each stage's ms since then (src/agent/pods/startup-trace.ts);
// joined with the bench's own create time and the moment its watch saw every container running.
import { percentile } from '../lib/stats.ts';
import { formatNumber } from '../lib/figures.ts';

const MESSAGE = 'agent: pod startup';

interface AgentLine {
  seenAt: number;
  stages: Record<string, number>;
}

interface Sample {
  containers: number;
  /** stage → ms since the create request was sent. */
  at: Map<string, number>;
}

export class StageLog {
  readonly #lines = new Map<string, AgentLine>();
  readonly #pods: { name: string; containers: number; createdAt: number; totalMs: number }[] = [];

  /** Feed every server log line (JSON); other lines are ignored. */
  onLogLine(line: string): void {
    if (!line.includes(MESSAGE)) return;
    try {
      const rec = JSON.parse(line) as { msg?: string; pod?: string; seenAt?: number; stages?: Record<string, number> };
      if (rec.msg !== MESSAGE || !rec.pod || typeof rec.seenAt !== 'number' || !rec.stages) return;
      this.#lines.set(rec.pod.replace(/^[^/]*\//, ''), { seenAt: rec.seenAt, stages: rec.stages });
    } catch {
      // not JSON: a text-format log; no breakdown
    }
  }

  /**
   * A measured pod: created at `createdAt` (wall clock ms), seen running by the watch `totalMs`
   * later. Its agent line may arrive after the watch event: lines and pods are joined in table().
   */
  created(name: string, containers: number, createdAt: number, totalMs: number): void {
    this.#pods.push({ name, containers, createdAt, totalMs });
  }

  #samples(): Sample[] {
    const out: Sample[] = [];
    for (const p of this.#pods) {
      const line = this.#lines.get(p.name);
      if (!line) continue;
      const seen = line.seenAt - p.createdAt;
      const at = new Map<string, number>([['agent saw the pod', seen]]);
      for (const [stage, ms] of Object.entries(line.stages)) at.set(stage, seen + ms);
      at.set('watch saw all running', p.totalMs);
      out.push({ containers: p.containers, at });
    }
    return out;
  }

  /** Rows: stage, then the p50 per kind (by container count), stages in the order they happen. */
  table(kinds: readonly number[]): string[][] {
    const samples = this.#samples();
    const order = new Map<string, number>();
    for (const s of samples) for (const [stage, ms] of s.at) order.set(stage, Math.max(order.get(stage) ?? 0, ms));
    const medians = new Map<string, number>();
    for (const stage of order.keys()) {
      const all = samples.map((s) => s.at.get(stage)).filter((v): v is number => v !== undefined);
      medians.set(
        stage,
        percentile(
          [...all].sort((a, b) => a - b),
          0.5,
        ),
      );
    }
    const stages = [...order.keys()].sort((a, b) => (medians.get(a) ?? 0) - (medians.get(b) ?? 0));
    return stages.map((stage) => [
      stage,
      ...kinds.map((k) => {
        const v = samples
          .filter((s) => s.containers === k)
          .map((s) => s.at.get(stage))
          .filter((x): x is number => x !== undefined)
          .sort((a, b) => a - b);
        return v.length ? formatNumber(percentile(v, 0.5)) : '';
      }),
    ]);
  }
}
