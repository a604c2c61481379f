// The vector the essay keeps coming back to: logits of candidate next tokens after
// "the cat sat on a". Panel 1 edits it; the Jacobian, backward-pass, cross-entropy,
// temperature and gradient-check panels all work on this same "current vector",
// so editing one logit shows its effect everywhere.

export const PROMPT = 'the cat sat on a';
export const TOKENS = ['mat', 'rug', 'chair', 'bed', 'floor', 'hat'];
// "mat" leads with 3.2 and gets about 48% of the probability, as in the essay's figure.
export const DEFAULT_LOGITS = [3.2, 2.4, 1.8, 1.5, 1.1, 0.3];
// An upstream gradient dL/ds for the backward-pass and gradient-check panels.
export const DEFAULT_UPSTREAM = [1.0, -0.5, 0.25, 0.0, 0.75, -1.0];

function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      state = { ...state, ...patch };
      for (const fn of listeners) fn(state);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** Shared state: logits and upstream are Float64Array (the float64 kernels). */
export const store = createStore({
  logits: Float64Array.from(DEFAULT_LOGITS),
  upstream: Float64Array.from(DEFAULT_UPSTREAM),
});
