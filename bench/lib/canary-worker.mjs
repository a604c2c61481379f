// canary-worker.mjs — the worker side of bench/lib/canary.mjs (Node worker_threads or a page's
// module Worker): waits for a job on the shared control words, runs it, records its own start and
// end time, and signals done. The control layout is canary.mjs's.
import { MEMORY_DOUBLES, PING_ROUNDS, spin, sweep, warm } from './canary.mjs';

const now = () => performance.timeOrigin + performance.now();

function serve(sab) {
  const ctl = new Int32Array(sab, 0, 8);
  const times = new Float64Array(sab, 32, 4);
  const ball = new Int32Array(sab, 128, 1);
  const data = new Float64Array(MEMORY_DOUBLES).fill(1);
  warm();
  let seen = 0;
  let sink = 0;
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    const kind = ctl[1];
    if (kind < 0) return sink;
    const t = now();
    if (kind === 3) {
      for (let i = 0; i < PING_ROUNDS; i++) {
        while (Atomics.load(ball, 0) !== 2 * i + 1);
        Atomics.store(ball, 0, 2 * i + 2);
      }
    } else sink += kind === 1 ? spin(ctl[2]) : sweep(data);
    times[2] = t;
    times[3] = now();
    Atomics.store(ctl, 3, seen);
  }
}

if (typeof process !== 'undefined' && process.versions?.node) {
  const { parentPort, workerData } = await import('node:worker_threads');
  parentPort.postMessage('ready');
  serve(workerData);
} else {
  self.onmessage = (e) => {
    self.postMessage('ready');
    serve(e.data);
  };
}
