// TEMPORARY: the sort-based JS filter until tests/reference-sampling.mjs lands.
import { filter, keptSet } from '../bench/lib/sort-sampler.mjs';
export const filterReference = (logits, o) => filter(logits, o);
export const keptIds = keptSet;
