/**
 * Floating-point operations of the matrix products this thread ran: 2nmp for each
 * [n x m] x [m x p], on tfjs or in JS. Benchmarks divide an analysis's count by BLAS's rate on
 * the same machine for a lower bound of its time (bench/speed.ts). Per thread: each worker
 * thread has its own module, and a task reads its own count when it ends (tasks.ts).
 */
let count = 0;

export function countProduct(n: number, m: number, p: number): void {
  count += 2 * n * m * p;
}

/** The operations counted since the last call. */
export function takeFlops(): number {
  const c = count;
  count = 0;
  return c;
}
