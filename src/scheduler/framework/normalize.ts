import { MAX_NODE_SCORE } from './interfaces.ts';

/**
 * Upstream helper.DefaultNormalizeScore: scale to [0, maxPriority] by the highest score; with
 * `reverse`, fewer is better. All-zero scores become maxPriority when reversed, else stay 0.
 */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean, maxPriority = MAX_NODE_SCORE): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
