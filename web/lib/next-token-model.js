// The next-token panel's language model: a word-level MLP over the last CONTEXT words
// (Bengio et al.'s neural language model, small). Trained by scripts/train-next-token.mjs
// with softmax-wasm's crossEntropy on data/next-token/corpus.txt; its weights live in
// web/data/next-token-model.json. No DOM here: the training script and the tests import
// this file too, so the page and the trainer share one tokenizer and one forward pass.
//
//   e = [E[w1], ..., E[wC]]            the context words' embeddings, concatenated (C·D)
//   h = tanh(W1 e + b1)                hidden layer (H)
//   logits = W2 h + b2                 one logit per vocabulary word (V)
//
// Weights are row-major: E [V, D], W1 [H, C·D], W2 [V, H].

export const MODEL_FORMAT = 'softmax-wasm next-token MLP 1';

/** Lower-case words and the marks "." and ","; anything else separates words. */
export function tokenize(text) {
  return text.toLowerCase().match(/[a-z]+|[.,]/g) ?? [];
}

/** Joins tokens back into text: no space before "." and ",". */
export function detokenize(tokens) {
  return tokens.join(' ').replace(/ ([.,])/g, '$1');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Float32Array -> base64 of its little-endian bytes (works in Node and browsers). */
export function encodeFloat32(values) {
  const f = Float32Array.from(values);
  const bytes = new Uint8Array(f.buffer);
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out +=
      B64[n >> 18] +
      B64[(n >> 12) & 63] +
      (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') +
      (i + 2 < bytes.length ? B64[n & 63] : '=');
  }
  return out;
}

/** base64 -> Float32Array (the inverse of encodeFloat32). */
export function decodeFloat32(text) {
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let j = 0;
  for (let i = 0; i < clean.length; i += 4) {
    const n =
      (B64.indexOf(clean[i]) << 18) |
      (B64.indexOf(clean[i + 1]) << 12) |
      ((i + 2 < clean.length ? B64.indexOf(clean[i + 2]) : 0) << 6) |
      (i + 3 < clean.length ? B64.indexOf(clean[i + 3]) : 0);
    if (j < bytes.length) bytes[j++] = n >> 16;
    if (j < bytes.length) bytes[j++] = (n >> 8) & 255;
    if (j < bytes.length) bytes[j++] = n & 255;
  }
  if (bytes.length % 4) throw new Error(`weights: ${bytes.length} bytes is not a whole number of float32`);
  return new Float32Array(bytes.buffer);
}

/**
 * A model from its JSON (web/data/next-token-model.json). Returns
 * { vocab, index, context, logits(ids) } where ids are the preceding token ids
 * (any length: the last `context` are used; a shorter history is padded with ".",
 * the start of a sentence, as in training) and logits() returns a Float64Array(V).
 */
export function loadModel(json) {
  if (json.format !== MODEL_FORMAT) throw new Error(`not a next-token model: format ${json.format}`);
  const { vocab, context: C, embed: D, hidden: H } = json;
  const V = vocab.length;
  const w = Object.fromEntries(Object.entries(json.weights).map(([k, v]) => [k, decodeFloat32(v)]));
  const sizes = { E: V * D, W1: H * C * D, b1: H, W2: V * H, b2: V };
  for (const [k, n] of Object.entries(sizes)) {
    if (!w[k] || w[k].length !== n) throw new Error(`weights.${k}: expected ${n} values, got ${w[k]?.length}`);
  }
  const index = new Map(vocab.map((t, i) => [t, i]));
  const pad = index.get('.');
  const e = new Float64Array(C * D);
  const h = new Float64Array(H);
  return {
    vocab,
    index,
    context: C,
    weights: w,
    /** Float64 logits of the word after `ids`. */
    logits(ids, out = new Float64Array(V)) {
      for (let c = 0; c < C; c++) {
        const k = ids.length - C + c;
        const id = k >= 0 ? ids[k] : pad;
        for (let d = 0; d < D; d++) e[c * D + d] = w.E[id * D + d];
      }
      for (let j = 0; j < H; j++) {
        let s = w.b1[j];
        const row = j * C * D;
        for (let i = 0; i < C * D; i++) s += w.W1[row + i] * e[i];
        h[j] = Math.tanh(s);
      }
      for (let v = 0; v < V; v++) {
        let s = w.b2[v];
        const row = v * H;
        for (let j = 0; j < H; j++) s += w.W2[row + j] * h[j];
        out[v] = s;
      }
      return out;
    },
  };
}
