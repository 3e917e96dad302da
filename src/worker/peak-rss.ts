import * as fs from 'fs';

/**
 * This process's peak resident memory, MiB. On Linux, VmHWM from /proc/self/status: the peak
 * of this process's own address space (its threads included). getrusage's maxRSS is not that:
 * a process started by fork and exec reports at least its parent's resident memory at the
 * fork, so a worker forked from a host (or a benchmark) holding 1 GB reported 1 GB before it
 * had read a byte. Elsewhere, maxRSS.
 */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // no procfs: not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
