// The V8 flags `peapod server` is launched with: by scripts/up.sh (the README's Quick start), the
// dev cluster and the benchmarks. Node cannot change them once running, so they are the
// launcher's to pass (`node --max-semi-space-size=64 bin/peapod.js server`).
//
// A young generation of 64 MB semi-spaces (V8's default on 64-bit is 16 MB): the API server's
// garbage is almost all short-lived (request bodies, watch events on their way out, decoded copies
// that a write replaces), and with small semi-spaces a burst promoted much of it into the old
// generation, to be marked and compacted there. Measured at 1,000 hollow nodes and a burst of
// 10,000 pods: 8–10 % less server CPU per pod; at 30,000 pods the server's RSS 150 s after the
// burst 820 MB instead of 901, and idle RSS within 1 MB (bench/README.md).
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
