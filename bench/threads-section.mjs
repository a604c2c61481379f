// bench/threads-section.mjs — where bench/threads.mjs's report lives in bench/RESULTS.md: between
// these markers. Importable without running anything (bench/run.mjs, which rewrites RESULTS.md,
// can keep the section with withThreadsSection).
export const THREADS_START = '<!-- threads:start (bench/threads.mjs writes this section) -->';
export const THREADS_END = '<!-- threads:end -->';

/** RESULTS.md text with the threads section replaced (or appended). */
export function withThreadsSection(text, section) {
  const block = `${THREADS_START}\n${section.trimEnd()}\n${THREADS_END}\n`;
  const a = text.indexOf(THREADS_START);
  const b = text.indexOf(THREADS_END);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + THREADS_END.length + 1);
  return `${text.trimEnd()}\n\n${block}`;
}

/** The threads section of an old RESULTS.md text (without its markers), or undefined. */
export function threadsSectionOf(text) {
  const a = text.indexOf(THREADS_START);
  const b = text.indexOf(THREADS_END);
  return a >= 0 && b > a ? text.slice(a + THREADS_START.length + 1, b) : undefined;
}
