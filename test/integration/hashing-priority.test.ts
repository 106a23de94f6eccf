// Sign-ins that saturate the CPU must not starve the cheap requests (the session check of
// every app behind Twofold): the real server runs its hashing threads (libuv's pool) below
// the event loop's priority. Read from the kernel, as the scheduler sees them.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startServerProcess, stopProcess } from '../helpers/processes.js';
import { TEST_SECRET } from '../helpers/server.js';

/** Each thread's name and nice value (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadsOf(pid: number): Array<{ name: string; nice: number }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice: Number(afterName[16]) };
  });
}

it.runIf(process.platform === 'linux')('runs the password-hashing threads below the event loop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'twofold-priority-'));
  const server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, TWOFOLD_SECRET: TEST_SECRET, PORT: '0', DATA_DIR: dir }, [/Twofold listening at (http:\S+)/]);
  try {
    const threads = threadsOf(server.child.pid!);
    const pool = threads.filter((t) => t.name === 'libuv-worker');
    expect(pool.length, JSON.stringify(threads)).toBeGreaterThanOrEqual(2);
    expect(pool.map((t) => t.nice)).toEqual(pool.map(() => 10));
    expect(threads.find((t) => t.name !== 'libuv-worker')?.nice).toBe(0);
  } finally {
    await stopProcess(server.child);
  }
});
