// sections.mjs — the sections of bench/RESULTS.md that a bench script other than bench/run.mjs
// writes (sampling.mjs, threads.mjs): each between its own pair of HTML comment markers, so that
// every script rewrites its own section and bench/run.mjs, which rewrites the file, keeps them.

/** text with the section between start and end replaced by section (appended when absent). */
export function withMarkedSection(text, start, end, section) {
  const block = `${start}\n${section.trimEnd()}\n${end}\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + end.length + 1);
  return `${text.trimEnd()}\n\n${block}`;
}

/** The section of text between start and end (markers excluded), or undefined. */
export function markedSectionOf(text, start, end) {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  return a >= 0 && b > a ? text.slice(a + start.length + 1, b) : undefined;
}
