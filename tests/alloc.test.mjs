// The zero-copy path: sm.alloc arrays as inputs and `out`, in place, after
// memory growth, and the errors of freed or foreign arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModule, builds as matrix } from './helpers.mjs';

const builds = (await matrix()).map((b) => b.sm);
const { load } = await loadModule();

function wasmCopy(sm, data, dtype) {
  const w = sm.alloc(data.length, dtype);
  w.array.set(data);
  return w;
}

for (const sm of builds) {
  for (const dtype of ['float32', 'float64']) {
    const T = dtype === 'float32' ? Float32Array : Float64Array;
    const shape = [3, 5, 4];
    const x = T.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * 4);
    const g = T.from({ length: 60 }, (_, i) => Math.cos(i * 0.3));

    test(`${sm.backend} ${dtype}: every op gives the same result from WasmArrays as from typed arrays`, () => {
      const xw = wasmCopy(sm, x, dtype);
      const gw = wasmCopy(sm, g, dtype);
      try {
        for (const axis of [0, 1, -1]) {
          const o = { shape, axis, temperature: 0.7 };
          for (const op of ['softmax', 'logSoftmax']) {
            const want = sm[op](x, o);
            const out = sm.alloc(60, dtype);
            assert.equal(sm[op](xw, { ...o, out }), out);
            assert.deepEqual(out.array, want);
            assert.deepEqual(sm[op](xw, o), want, 'WasmArray in, typed array out');
            const typedOut = new T(60);
            assert.equal(sm[op](x, { ...o, out: typedOut }), typedOut);
            assert.deepEqual(typedOut, want);
            out.free();
          }
          const lse = sm.logSumExp(x, { shape, axis });
          assert.deepEqual(sm.logSumExp(xw, { shape, axis }), lse);
          const y = sm.softmax(x, o);
          const yw = wasmCopy(sm, y, dtype);
          for (const op of ['softmaxBackward', 'logSoftmaxBackward']) {
            const want = sm[op](g, y, o);
            const out = sm.alloc(60, dtype);
            sm[op](gw, yw, { ...o, out });
            assert.deepEqual(out.array, want);
            out.free();
          }
          yw.free();
          const ce = sm.crossEntropy(x, new Int32Array(60 / shape.at(axis)).fill(1), { shape, axis, grad: true });
          const cew = sm.crossEntropy(xw, new Int32Array(60 / shape.at(axis)).fill(1), { shape, axis, grad: true });
          assert.equal(cew.loss, ce.loss);
          assert.deepEqual(cew.grad, ce.grad);
        }
      } finally {
        xw.free();
        gw.free();
      }
    });

    test(`${sm.backend} ${dtype}: ops work in place on a WasmArray`, () => {
      const w = wasmCopy(sm, x, dtype);
      const want = sm.softmax(x, { shape, axis: 1 });
      assert.equal(sm.softmax(w, { shape, axis: 1, out: w }), w);
      assert.deepEqual(w.array, want);
      w.free();
    });
  }

  test(`${sm.backend}: views die when memory grows, .array gives a live one`, () => {
    const w = wasmCopy(sm, [1, 2, 3], 'float64');
    const view = w.array;
    const big = sm.alloc(Math.ceil((sm.memoryBytes * 1.5) / 4)); // forces the heap to grow
    // An ArrayBuffer's views are detached; a shared memory's (the threaded build) stay valid.
    assert.equal(view.length, view.buffer instanceof ArrayBuffer ? 0 : 3, 'the old view');
    assert.deepEqual(Array.from(w.array), [1, 2, 3]);
    assert.deepEqual(Array.from(sm.softmax(w)), Array.from(sm.softmax([1, 2, 3])));
    big.free();
    w.free();
  });

  test(`${sm.backend}: a fresh instance's first big call (24 MB of scratch) grows and detaches nothing`, async () => {
    // Growing a non-shared memory detaches its ArrayBuffer, and V8 then runs every typed-array
    // loop of the process slower for good (CMakeLists.txt, INITIAL_MEMORY): the single-thread
    // builds start with room for the scratch of calls this size.
    const fresh = await load({ threads: 1, simd: sm.backend === 'wasm-simd128' });
    const before = fresh.memoryBytes;
    assert.ok(before >= 64 * 2 ** 20, `starts with ${before} bytes of wasm memory`);
    const w = fresh.alloc(4);
    const view = w.array;
    const n = 3_000_000;
    const y = new Float32Array(n).fill(1 / 8);
    const dy = Float32Array.from({ length: n }, (_, i) => (i % 8) - 3.5);
    const dx = fresh.softmaxBackward(dy, y, { shape: [n / 8, 8] });
    assert.equal(dx[0], (1 / 8) * -3.5, 'softmaxBackward of a flat row: y * (dy - <dy, y>), <dy, y> = 0');
    assert.equal(fresh.memoryBytes, before, 'the call grew wasm memory');
    assert.equal(view.length, 4, 'a view of wasm memory taken before the call was detached');
    w.free();
    fresh.dispose();
  });

  test(`${sm.backend}: freed and foreign arrays are TypeErrors, and nothing is written`, async () => {
    const w = sm.alloc(4);
    w.free();
    assert.equal(w.freed, true);
    w.free(); // idempotent
    assert.throws(() => w.array, { name: 'TypeError', message: /freed/ });
    assert.throws(() => sm.softmax(w), { name: 'TypeError', message: /softmax: x is a WasmArray that was freed/ });
    const out = sm.alloc(4);
    out.array.fill(7);
    assert.throws(() => sm.softmax(new Float32Array(4), { out: w }), {
      name: 'TypeError',
      message: /out is a WasmArray that was freed/,
    });
    assert.throws(() => sm.softmaxBackward(new Float32Array(4), w, { out }), {
      name: 'TypeError',
      message: /y is a WasmArray that was freed/,
    });
    assert.deepEqual(Array.from(out.array), [7, 7, 7, 7], 'out untouched');
    const other = builds.find((b) => b !== sm);
    assert.throws(() => other.softmax(out), { name: 'TypeError', message: /another softmax-wasm instance/ });
    assert.throws(() => sm.softmax(new Float64Array(4), { out }), {
      name: 'TypeError',
      message: /out must be a Float64Array or a float64 WasmArray/,
    });
    out[Symbol.dispose]();
    assert.equal(out.freed, true);
  });

  test(`${sm.backend}: alloc validates its arguments`, () => {
    assert.throws(() => sm.alloc(-1), {
      name: 'RangeError',
      message: /alloc: length must be a non-negative integer, got -1/,
    });
    assert.throws(() => sm.alloc(1.5), { name: 'RangeError', message: /got 1.5/ });
    assert.throws(() => sm.alloc('3'), { name: 'TypeError', message: /alloc: length must be a number/ });
    assert.throws(() => sm.alloc(3, 'int8'), {
      name: 'RangeError',
      message: /dtype must be 'float32', 'float64' or 'int32', got "int8"/,
    });
    assert.throws(() => sm.alloc(2 ** 30, 'float64'), { name: 'RangeError', message: /more than the 2 GiB/ });
    const empty = sm.alloc(0, 'float64');
    assert.equal(empty.array.length, 0);
    empty.free();
  });

  test(`${sm.backend}: alloc's arrays start at 16-byte boundaries (whole SIMD128 loads)`, () => {
    const arrays = [];
    try {
      for (let length = 1; length <= 40; length++) {
        for (const dtype of ['float32', 'float64', 'int32']) {
          const w = sm.alloc(length, dtype);
          arrays.push(w);
          assert.equal(w.array.byteOffset % 16, 0, `alloc(${length}, '${dtype}') at byte ${w.array.byteOffset}`);
        }
      }
    } finally {
      for (const w of arrays) w.free();
    }
  });

  test(`${sm.backend}: 2000 alloc/free pairs and calls do not grow memory`, () => {
    const w0 = sm.alloc(1000);
    sm.softmax(w0, { out: w0 });
    w0.free();
    const before = sm.memoryBytes;
    for (let i = 0; i < 2000; i++) {
      const w = sm.alloc(1000);
      sm.softmax(w, { out: w });
      w.free();
    }
    assert.equal(sm.memoryBytes, before);
  });
}

for (const sm of builds) {
  test(`${sm.backend}: crossEntropy and nllLoss run zero-copy: int32 WasmArray targets and the gradient into out`, () => {
    const shape = [6, 5];
    const logits = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i) * 3);
    const labels = Int32Array.from([0, 4, 2, -100, 1, 3]);
    const want = sm.crossEntropy(logits, labels, { shape, grad: true, labelSmoothing: 0.1 });
    const xw = wasmCopy(sm, logits, 'float32');
    const tw = sm.alloc(6, 'int32');
    tw.array.set(labels);
    const gw = sm.alloc(30);
    const got = sm.crossEntropy(xw, tw, { shape, grad: true, labelSmoothing: 0.1, out: gw });
    assert.equal(got.grad, gw);
    assert.equal(got.loss, want.loss);
    assert.deepEqual(gw.array, want.grad);
    const typedOut = new Float32Array(30);
    assert.equal(sm.crossEntropy(logits, labels, { shape, grad: true, out: typedOut }).grad, typedOut);
    const nll = sm.nllLoss(xw, tw, { shape, grad: true, out: gw });
    assert.deepEqual(nll.grad.array, sm.nllLoss(logits, labels, { shape, grad: true }).grad);
    // Errors, before anything is written.
    gw.array.fill(7);
    assert.throws(() => sm.crossEntropy(xw, tw, { shape, out: gw }), {
      name: 'TypeError',
      message: /out receives the gradient; it needs grad: true/,
    });
    tw.array[2] = 9;
    assert.throws(() => sm.crossEntropy(xw, tw, { shape, grad: true, out: gw }), {
      name: 'RangeError',
      message: /target\[2\] = 9 is not a class index in \[0, 5\)/,
    });
    assert.deepEqual(Array.from(gw.array), new Array(30).fill(7), 'out untouched');
    assert.throws(() => sm.softmax(tw), { name: 'TypeError', message: /x is an int32 WasmArray/ });
    // A float WasmArray target is class probabilities, used in place like the logits.
    const probs = sm.softmax(
      logits.map((v) => v / 2),
      { shape },
    );
    const pw = wasmCopy(sm, probs, 'float32');
    assert.equal(sm.crossEntropy(xw, pw, { shape }).loss, sm.crossEntropy(logits, probs, { shape }).loss);
    const pw64 = sm.alloc(30, 'float64');
    assert.throws(() => sm.crossEntropy(xw, pw64, { shape }), {
      name: 'TypeError',
      message: /probability target is float64 but the logits are float32/,
    });
    assert.throws(() => sm.nllLoss(xw, pw, { shape }), {
      name: 'TypeError',
      message: /nllLoss: target must be class indices/,
    });
    pw.free();
    pw64.free();
    tw.free();
    assert.throws(() => sm.crossEntropy(xw, tw, { shape }), {
      name: 'TypeError',
      message: /target is a WasmArray that was freed/,
    });
    for (const w of [xw, gw]) w.free();
  });
}

for (const sm of builds) {
  test(`${sm.backend}: crossEntropy and nllLoss with out === the input (in place) give the same loss and gradient`, () => {
    const shape = [3, 4];
    const logits = Float64Array.from([1, 2, 3, 0.5, -1, 0, 2, 2, 4, -3, 1, 0]);
    for (const opts of [{}, { labelSmoothing: 0.1, weight: [1, 2, 0.5, 1] }]) {
      const want = sm.crossEntropy(logits, [0, 3, 2], { shape, grad: true, ...opts });
      const w = wasmCopy(sm, logits, 'float64');
      const got = sm.crossEntropy(w, [0, 3, 2], { shape, grad: true, out: w, ...opts });
      assert.equal(got.loss, want.loss);
      assert.deepEqual(w.array, want.grad);
      w.free();
    }
    const lp = sm.logSoftmax(logits, { shape });
    const wantNll = sm.nllLoss(lp, [0, 3, 2], { shape, grad: true });
    const w = wasmCopy(sm, lp, 'float64');
    assert.equal(sm.nllLoss(w, [0, 3, 2], { shape, grad: true, out: w }).loss, wantNll.loss);
    assert.deepEqual(w.array, wantNll.grad);
    w.free();
  });

  test(`${sm.backend}: empty calls still check their WasmArrays, and logSumExp fills a WasmArray out`, () => {
    const out = sm.alloc(2, 'float64');
    assert.equal(sm.logSumExp([], { shape: [2, 0], out }), out);
    assert.deepEqual(Array.from(out.array), [-Infinity, -Infinity]);
    const freed = sm.alloc(0);
    freed.free();
    assert.throws(() => sm.softmax(freed), { name: 'TypeError', message: /softmax: x is a WasmArray that was freed/ });
    assert.throws(() => sm.logSumExp(freed), {
      name: 'TypeError',
      message: /logSumExp: x is a WasmArray that was freed/,
    });
    out.free();
    assert.throws(() => sm.logSumExp([], { shape: [2, 0], out }), {
      name: 'TypeError',
      message: /out is a WasmArray that was freed/,
    });
    const freed64 = sm.alloc(0, 'float64');
    freed64.free();
    assert.throws(() => sm.softmax([], { out: freed64 }), {
      name: 'TypeError',
      message: /out is a WasmArray that was freed/,
    });
    assert.throws(() => sm.softmaxJacobian([], { out: freed64 }), {
      name: 'TypeError',
      message: /out is a WasmArray that was freed/,
    });
  });
}
