// The pure-JS reference of sampling (not a test file): written from the
// definitions (Hugging Face transformers' processors and warpers, OpenAI's
// penalties, torch.topk / torch.argmax) and from the exact rules README
// "Sampling" states, the obvious way: sorts where the definitions sort, one
// token at a time, no selection tricks. It shares no code with the library: its
// Philox4x32-10, its weights (exp by the stated polynomial, each float32 step
// rounded with Math.fround) and its canonical sums are written out here again,
// so a test that compares the two checks the kernels against the text.

// ---------------------------------------------------------------- Philox ----

const M0 = 0xd2511f53n;
const M1 = 0xcd9e8d57n;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** Philox4x32-10 of a 4-word counter and a 2-word key (all uint32 numbers). */
export function philox4x32_10(ctr, key) {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const p0 = M0 * BigInt(c0);
    const p1 = M1 * BigInt(c2);
    const hi0 = Number(p0 >> 32n);
    const lo0 = Number(p0 & 0xffffffffn);
    const hi1 = Number(p1 >> 32n);
    const lo1 = Number(p1 & 0xffffffffn);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** The key of a seed in [0, 2^64). */
export function keyOf(seed) {
  const s = BigInt(seed);
  return [Number(s & 0xffffffffn), Number((s >> 32n) & 0xffffffffn)];
}

/** Draw `position` of the stream of `seed`: a multiple of 2^-53 in [0, 1). */
export function uniform(seed, position) {
  const [k0, k1] = keyOf(seed);
  const p = BigInt(position);
  const [x0, x1] = philox4x32_10([Number(p & 0xffffffffn), Number(p >> 32n), 0, 0], [k0, k1]);
  return ((x0 >>> 5) * 2 ** 26 + (x1 >>> 6)) * 2 ** -53;
}

// ---------------------------------------------------------------- weights ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** 2^n exactly, for an integer n in [-1022, 1023]. */
function pow2(n) {
  u32[0] = 0;
  u32[1] = (n + 1023) * 2 ** 20;
  return f64[0];
}

const fr = Math.fround;
const FACTORIALS = [1];
for (let k = 1; k <= 12; k++) FACTORIALS.push(FACTORIALS[k - 1] * k);

const DOUBLE = {
  min: -707,
  magic: 1.5 * 2 ** 52,
  log2e: 0x171547652b82fe * 2 ** -52,
  ln2hi: 0x162e42fee * 2 ** -33,
  ln2lo: 0x1a39ef35793c76 * 2 ** -85,
  coef: FACTORIALS.map((f) => 1 / f),
};
const FLOAT = {
  min: -86,
  magic: 1.5 * 2 ** 23,
  log2e: fr(0x171547652b82fe * 2 ** -52),
  ln2hi: 0x162e4 * 2 ** -17,
  ln2lo: fr(Math.LN2 - 0x162e4 * 2 ** -17),
  coef: FACTORIALS.slice(0, 7).map((f) => fr(1 / f)),
};

/** e^d for d <= 0, a double, by the stated degree-12 polynomial. */
export function expWeight64(d) {
  const c = DOUBLE;
  if (!(d >= c.min)) return 0;
  const t = d * c.log2e + c.magic;
  const n = t - c.magic;
  const r = d - n * c.ln2hi - n * c.ln2lo;
  let p = c.coef[12];
  for (let k = 11; k >= 0; k--) p = p * r + c.coef[k];
  return p * pow2(n);
}

/** e^d for a float32 d <= 0, every step rounded to float32 (degree 6). */
export function expWeight32(d) {
  const c = FLOAT;
  if (!(d >= c.min)) return 0;
  const t = fr(fr(d * c.log2e) + c.magic);
  const n = fr(t - c.magic);
  const r = fr(fr(d - fr(n * c.ln2hi)) - fr(n * c.ln2lo));
  let p = c.coef[6];
  for (let k = 5; k >= 0; k--) p = fr(fr(p * r) + c.coef[k]);
  return p * pow2(n);
}

/** The weight of a token with processed value z in a row with max m. */
export function weight(z, m, dtype) {
  return dtype === 'float32' ? expWeight32(fr(z - m)) : expWeight64(z - m);
}

/** The 8-lane canonical sum: token i adds to lane i mod 8; lanes combine pairwise. */
export class Lanes8 {
  constructor() {
    this.a = new Float64Array(8);
  }
  add(i, w) {
    this.a[i % 8] += w;
  }
  total() {
    const a = this.a;
    return a[0] + a[1] + (a[2] + a[3]) + (a[4] + a[5] + (a[6] + a[7]));
  }
}

// ------------------------------------------------------------- processing ----

/**
 * One row's processed logits z (doubles holding dtype values): repetition
 * penalty, frequency and presence penalties (history ids, counted), logit
 * bias, temperature; each in double, rounded once to the dtype.
 */
export function processRow(x, o, dtype) {
  const round = dtype === 'float32' ? fr : (v) => v;
  const T = o.temperature ?? 1;
  const rp = o.repetitionPenalty ?? 1;
  const fp = o.frequencyPenalty ?? 0;
  const pp = o.presencePenalty ?? 0;
  const z = Float64Array.from(x, (v) => (T > 0 && T !== 1 ? round(v / T) : v));
  const counts = new Map();
  for (const id of o.history ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const bias = new Map(o.bias ?? []);
  const touched = new Set([...counts.keys(), ...bias.keys()]);
  for (const t of touched) {
    let y = x[t];
    if (counts.has(t)) {
      y = y < 0 ? y * rp : y / rp;
      y = y - counts.get(t) * fp;
      y = y - pp;
    }
    if (bias.has(t)) y = y + bias.get(t);
    z[t] = round(T > 0 ? y / T : y);
  }
  return z;
}

const NBINS = 1024;
const binOf = (d) => (d > -64 ? Math.floor(-d * 16) : NBINS);

/**
 * The kept tokens of one processed row (a boolean per token) and the weights,
 * or { bad: 'NaN' | '+Infinity' | 'all -Infinity' }.
 */
export function filterRow(z, o, dtype) {
  const n = z.length;
  let m = -Infinity;
  for (const v of z) {
    if (Number.isNaN(v)) return { bad: 'NaN' };
    if (v > m) m = v;
  }
  if (m === Infinity) return { bad: '+Infinity' };
  if (m === -Infinity) return { bad: 'all -Infinity' };
  const w = Float64Array.from(z, (v) => weight(v, m, dtype));
  const kept = new Array(n).fill(true);
  if ((o.temperature ?? 1) === 0) {
    kept.fill(false);
    kept[z.indexOf(m)] = true;
    return { kept, w: Float64Array.from(kept, (k) => (k ? 1 : 0)), m, greedy: true };
  }
  const k = o.topK ?? 0;
  if (k > 0 && k < n) {
    const sorted = Array.from(z).sort((a, b) => b - a);
    const vk = sorted[k - 1];
    for (let i = 0; i < n; i++) kept[i] = z[i] >= vk;
  }
  const p = o.topP ?? 1;
  if (p < 1) {
    const total = new Lanes8();
    for (let i = 0; i < n; i++) if (kept[i]) total.add(i, w[i]);
    const pw = p * total.total();
    const mass = new Float64Array(NBINS + 1);
    for (let i = 0; i < n; i++) if (kept[i]) mass[binOf(z[i] - m)] += w[i];
    let above = 0;
    let b = 0;
    for (; ; b++) {
      const next = above + mass[b];
      if (next >= pw || b === NBINS) break;
      above = next;
    }
    const members = [];
    for (let i = 0; i < n; i++) if (kept[i] && binOf(z[i] - m) === b) members.push(i);
    let level = -Infinity;
    const levels = [...new Set(members.map((i) => z[i]))].sort((a, c) => c - a);
    for (const v of levels) {
      let s = 0;
      for (const i of members) if (z[i] > v) s += w[i];
      if (above + s < pw) level = v;
      else break;
    }
    for (let i = 0; i < n; i++) kept[i] = kept[i] && z[i] >= level;
  }
  const minP = o.minP ?? 0;
  if (minP > 0) for (let i = 0; i < n; i++) kept[i] = kept[i] && w[i] >= minP;
  return { kept, w, m };
}

/** The filtered row: z where kept, -Infinity where cut (greedy: the unscaled winner). */
export function filteredRow(z, f) {
  return Float64Array.from(z, (v, i) => (f.kept[i] ? v : -Infinity));
}

/** The categorical draw of a filtered set with uniform u: { token, logProb }. */
export function drawRow(z, f, u) {
  if (f.greedy) return { token: f.kept.indexOf(true), logProb: 0 };
  const total = new Lanes8();
  for (let i = 0; i < z.length; i++) if (f.kept[i]) total.add(i, f.w[i]);
  const W = total.total();
  const t = u * W;
  const run = new Lanes8();
  for (let i = 0; i < z.length; i++) {
    if (!f.kept[i]) continue;
    run.add(i, f.w[i]);
    if (run.total() > t) return { token: i, logProb: z[i] - f.m - Math.log(W) };
  }
  throw new Error('reference draw ran off the end');
}

/**
 * sample / filterLogits of a whole call. x: doubles (the dtype's values),
 * shape [.., vocab]; o: the options (history: a flat array or one per row;
 * bias: [id, value] pairs); seed, position: the generator.
 */
export function referenceSample(x, vocab, o, dtype, seed = 0n, position = 0) {
  const rows = x.length / vocab;
  const tokens = [];
  const logProbs = [];
  const filtered = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const history = Array.isArray(o.history?.[0]) ? o.history[r] : o.history;
    const ro = { ...o, history };
    const z = processRow(x.subarray(r * vocab, (r + 1) * vocab), ro, dtype);
    const f = filterRow(z, ro, dtype);
    if (f.bad) return { bad: f.bad, row: r };
    filtered.set(filteredRow(z, f), r * vocab);
    const { token, logProb } = drawRow(z, f, uniform(seed, position + r));
    tokens.push(token);
    logProbs.push(logProb);
  }
  return { tokens, logProbs, filtered };
}

/**
 * Hugging Face's TopPLogitsWarper as written (float64): sort ascending,
 * softmax, cumulative sum, remove where cum <= 1 - p, keep the last token.
 */
export function hfTopPKept(z, p) {
  const order = Array.from(z.keys()).sort((a, b) => z[a] - z[b]);
  const m = Math.max(...z);
  const e = order.map((i) => Math.exp(z[i] - m));
  const s = e.reduce((a, b) => a + b, 0);
  const kept = new Array(z.length).fill(true);
  let cum = 0;
  order.forEach((i, j) => {
    cum += e[j] / s;
    if (cum <= 1 - p && j !== order.length - 1) kept[i] = false;
  });
  return kept;
}

// ------------------------------------------------------------ topK, argmax ----

/**
 * torch's orders for topK: NaN counts as larger than every number (first
 * when largest, last when smallest), -0 == +0, ties go to the lower index.
 */
function order(largest) {
  return (a, b, ia, ib) => {
    const na = Number.isNaN(a);
    const nb = Number.isNaN(b);
    if (na !== nb) return (na ? -1 : 1) * (largest ? 1 : -1);
    if (!na && a !== b) return (a > b ? -1 : 1) * (largest ? 1 : -1);
    return ia - ib;
  };
}

/** torch.topk of each fibre along `axis`, by sorting the whole fibre. */
export function referenceTopK(x, shape, axis, k, largest = true, sorted = true) {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const values = new Float64Array(outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j) => x[o * n * inner + j * inner + i];
      const idx = Array.from({ length: n }, (_, j) => j);
      const cmp = order(largest);
      idx.sort((p, q) => cmp(at(p), at(q), p, q));
      const top = idx.slice(0, k);
      if (!sorted) top.sort((p, q) => p - q);
      top.forEach((j, r) => {
        values[o * k * inner + r * inner + i] = at(j);
        indices[o * k * inner + r * inner + i] = j;
      });
    }
  }
  return { values, indices };
}

/** torch.argmax: the first index of the largest value, or of the first NaN. */
export function referenceArgmax(x, shape, axis) {
  const { indices } = referenceTopK(x, shape, axis, 1, true, true);
  return indices;
}
