// Start-up failures, as an operator meets them: the real server process, started with a
// setting that cannot work, says in one line which setting and what to do, exits
// non-zero, and prints no stack trace. Nothing hangs: each must exit on its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server.js';
import { PROJECT_ROOT } from '../helpers/processes.js';

/** Well inside the server's own 15 s start-up deadline, and far from a quiet machine's second. */
const MUST_EXIT_WITHIN_MS = 12_000;

function startExpectingFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'twofold-startup-'));
    const child = spawn(process.execPath, ['dist/start.js'], { cwd: PROJECT_ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${MUST_EXIT_WITHIN_MS} ms:\n${stdout}\n${stderr}`));
    }, MUST_EXIT_WITHIN_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function expectOneClearLine(result: { code: number | null; stderr: string }, ...mustSay: string[]): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^Twofold could not start: /);
  for (const words of mustSay) expect(lines[0]).toContain(words);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('start-up failures', () => {
  it('a port already in use names the port and PORT', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      expectOneClearLine(await startExpectingFailure({ PORT: String(port), HOST: '127.0.0.1' }), `port ${port}`, 'already in use', 'set PORT');
    } finally {
      blocker.close();
    }
  });

  it('a HOST that is not this machine, or not a name at all, names HOST', async () => {
    const port = String(await freePort());
    expectOneClearLine(await startExpectingFailure({ PORT: port, HOST: 'no-such-host.invalid' }), 'HOST=no-such-host.invalid', 'HOST=127.0.0.1');
    expectOneClearLine(await startExpectingFailure({ PORT: port, HOST: '192.0.2.1' }), 'HOST=192.0.2.1 is not an address of this machine');
  });

  it('a DATA_DIR that is a file, or cannot be made, names DATA_DIR (and does not hang)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'twofold-startup-')), 'a-file');
    writeFileSync(file, 'not a folder');
    expectOneClearLine(await startExpectingFailure({ PORT: '0', DATA_DIR: file }), `DATA_DIR=${file} is a file, not a folder`);
    // Node's own recursive mkdir spins for ever here; start-up must not.
    expectOneClearLine(await startExpectingFailure({ PORT: '0', DATA_DIR: '/proc/twofold-data' }), 'DATA_DIR=/proc/twofold-data cannot be created');
  });

  it('a database that is not there, or not a database, names DATABASE_URL', async () => {
    const closedPort = await freePort();
    expectOneClearLine(await startExpectingFailure({ PORT: '0', DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/twofold` }), `127.0.0.1:${closedPort}`, 'refused the connection', 'DATABASE_URL');
    const junk = join(mkdtempSync(join(tmpdir(), 'twofold-startup-')), 'junk.sqlite');
    writeFileSync(junk, 'this is not a SQLite database, it is a sentence, padded out to be long enough'.repeat(20));
    expectOneClearLine(await startExpectingFailure({ PORT: '0', DATABASE_URL: `sqlite:${junk}` }), 'is not a SQLite database');
  });
});
