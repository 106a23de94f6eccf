// Running the compiled server and CLI as real processes, as an operator would.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/twofold.js', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Starts `node dist/main.js` and resolves once its output matches every pattern; `matches` in the same order. */
export function startServerProcess(env: Record<string, string>, waitFor: RegExp[]): Promise<{ child: ChildProcess; output: () => string; matches: RegExpMatchArray[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/start.js'], { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: 'pipe' });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not print ${waitFor}:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const matches = waitFor.map((pattern) => output.match(pattern));
      if (matches.every((m) => m !== null)) {
        clearTimeout(timer);
        resolve({ child, output: () => output, matches: matches as RegExpMatchArray[] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Stops the process and waits until its stdout and stderr are closed: whatever it printed has then been read. */
export async function stopProcessAndDrain(child: ChildProcess): Promise<void> {
  const drained = Promise.all([child.stdout, child.stderr].map((stream) => (stream && !stream.closed ? once(stream, 'close') : undefined)));
  await stopProcess(child);
  await drained;
}
