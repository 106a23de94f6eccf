// Password hashing (argon2id, ~10 ms of CPU each) runs on libuv's thread pool. When
// sign-ins saturate the CPU, the event loop, which answers the cheap requests (the
// session check of every app behind Twofold), competes with the hashing threads for
// the same cores. Lowering the pool threads' priority lets the event loop go first:
// hashing takes whatever CPU is left, which under load is nearly all of it.
// Linux only (a thread's id is a valid target for setpriority there); elsewhere, or
// when refused, nothing changes.
import { readFileSync, readdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** nice +10: below the event loop (0), above idle work. */
const HASHING_THREAD_NICENESS = 10;

/** How many pool threads were given the lower priority (0 where this is not possible). */
export async function lowerThreadPoolPriority(): Promise<number> {
  if (process.platform !== 'linux') return 0;
  // The pool starts all its threads at its first use; make sure that has happened.
  await access('.');
  let lowered = 0;
  for (const threadId of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${threadId}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      setPriority(Number(threadId), HASHING_THREAD_NICENESS);
      lowered += 1;
    } catch {
      // a thread gone, or a system that refuses: it keeps its priority
    }
  }
  return lowered;
}
