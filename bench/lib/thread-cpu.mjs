// thread-cpu.mjs — CPU time per thread of this process, from Linux's /proc/self/task/<tid>/schedstat
// (its first field: ns on a CPU). The process's clock (process.cpuUsage) adds up every thread, V8's
// helper threads (concurrent marking and sweeping, freeing dead ArrayBuffers, background
// compilation) included; these tell the main thread's time from theirs. Undefined off Linux.

import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

const buffer = Buffer.alloc(128);

/** ns of CPU time thread `tid` of this process has used, or undefined (no such thread, not Linux). */
export function threadCpuNs(tid) {
  let fd;
  try {
    fd = openSync(`/proc/self/task/${tid}/schedstat`, 'r');
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return Number(buffer.toString('latin1', 0, n).split(' ', 1)[0]);
  } catch {
    return undefined; // not Linux, or the thread ended in between
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * ns of CPU time used so far by the process's threads other than the main one, or undefined off
 * Linux. A thread that is running as it is read can lag by up to a scheduler tick: enough to tell
 * whether they ran.
 */
export function helperCpuNs() {
  let tids;
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const tid of tids) if (Number(tid) !== process.pid) sum += threadCpuNs(tid) ?? 0;
  return sum;
}
