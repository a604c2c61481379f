// bench/threads-section.mjs — where bench/threads.mjs's report lives in bench/RESULTS.md: between
// these markers. Importable without running anything (bench/run.mjs, which rewrites RESULTS.md,
// can keep the section with withThreadsSection).
import { markedSectionOf, withMarkedSection } from './lib/sections.mjs';

export const THREADS_START = '<!-- threads:start (bench/threads.mjs writes this section) -->';
export const THREADS_END = '<!-- threads:end -->';

/** RESULTS.md text with the threads section replaced (or appended). */
export const withThreadsSection = (text, section) => withMarkedSection(text, THREADS_START, THREADS_END, section);

/** The threads section of an old RESULTS.md text (without its markers), or undefined. */
export const threadsSectionOf = (text) => markedSectionOf(text, THREADS_START, THREADS_END);
