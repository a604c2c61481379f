// sort-sampler.mjs — the benchmark's baseline: a next-token sampler written in plain
// JavaScript the straightforward way, the way most JS demos do it: copy the row into JS
// numbers, apply the processors in Hugging Face's order, sort the whole vocabulary by
// logit for top-k and top-p, softmax, and draw with a linear scan of the cumulative sum.
//
//   repetition penalty: x_i <- x_i / r if x_i > 0 else x_i * r        (i seen in history)
//   presence/frequency: x_i <- x_i - f * count_i - (count_i > 0 ? p : 0)
//   temperature:        x <- x / T                 (T = 0: greedy, the first largest logit)
//   top-k:              cut x_i < the k-th largest value (ties with it are kept)
//   top-p:              sort by value (ties: lower index first), keep the smallest prefix
//                       whose probability mass reaches p (at least one token)
//   min-p:              cut p_i < minP * max_j p_j
//
// filter() returns the processed row with -Infinity where cut (what sm.filterLogits
// returns); sample() draws one token from it given a uniform u in [0, 1).

/** The processed logits of one row, as a Float64Array (float64 arithmetic throughout). */
export function filter(
  row,
  {
    temperature = 1,
    topK = 0,
    topP = 1,
    minP = 0,
    repetitionPenalty = 1,
    presencePenalty = 0,
    frequencyPenalty = 0,
    history = [],
  } = {},
) {
  const n = row.length;
  const x = Float64Array.from(row);
  if (history.length) {
    const counts = new Map();
    for (const id of history) counts.set(Number(id), (counts.get(Number(id)) ?? 0) + 1);
    for (const [id, count] of counts) {
      if (repetitionPenalty !== 1) x[id] = x[id] > 0 ? x[id] / repetitionPenalty : x[id] * repetitionPenalty;
      x[id] -= frequencyPenalty * count + (count > 0 ? presencePenalty : 0);
    }
  }
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (x[i] > x[best]) best = i;
    const out = new Float64Array(n).fill(-Infinity);
    out[best] = x[best];
    return out;
  }
  if (temperature !== 1) for (let i = 0; i < n; i++) x[i] /= temperature;
  let order = null;
  const sorted = () => {
    if (!order) order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => x[b] - x[a] || a - b);
    return order;
  };
  if (topK > 0 && topK < n) {
    const kth = x[sorted()[topK - 1]];
    for (let i = 0; i < n; i++) if (x[i] < kth) x[i] = -Infinity;
  }
  if (topP < 1) {
    const o = sorted();
    const m = x[o[0]];
    let z = 0;
    for (let i = 0; i < n; i++) z += Math.exp(x[i] - m);
    let mass = 0;
    let j = 0;
    while (j < n) {
      mass += Math.exp(x[o[j]] - m) / z;
      j++;
      if (mass >= topP) break;
    }
    for (; j < n; j++) x[o[j]] = -Infinity;
  }
  if (minP > 0) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) if (x[i] > m) m = x[i];
    let z = 0;
    for (let i = 0; i < n; i++) z += Math.exp(x[i] - m);
    const pmax = 1 / z;
    for (let i = 0; i < n; i++) if (Math.exp(x[i] - m) / z < minP * pmax) x[i] = -Infinity;
  }
  return x;
}

/** One token from processed logits and a uniform u in [0, 1): the first i with cumsum > u·total. */
export function draw(x, u) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const p = new Float64Array(x.length);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += p[i] = Math.exp(x[i] - m);
  const target = u * z;
  let c = 0;
  let last = -1;
  for (let i = 0; i < x.length; i++) {
    if (p[i] === 0) continue;
    c += p[i];
    last = i;
    if (c > target) return i;
  }
  return last;
}

/** The whole sampler on one row: filter, then draw with u from `random()`. */
export function sample(row, options, random = Math.random) {
  const x = filter(row, options);
  if (options.temperature === 0) return x.findIndex((v) => v !== -Infinity);
  return draw(x, random());
}

/** The kept token ids of a processed row, ascending. */
export function keptSet(x) {
  const out = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== -Infinity) out.push(i);
  return out;
}
