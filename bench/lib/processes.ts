// Servers under test run as their own processes; the load comes from this one.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The Node.js flags `npm start` runs Twofold with (package.json's start script, between
 * scripts/node.sh and dist/start.js): the bench and the soak measure the server as shipped.
 */
export function serverNodeFlags(): string[] {
  // BENCH_SERVER_FLAGS: other flags, to measure what they would change.
  if (process.env.BENCH_SERVER_FLAGS !== undefined) return process.env.BENCH_SERVER_FLAGS.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /scripts\/node\.sh\s+(.*?)\s*dist\/start\.js/.exec(pkg.scripts.start);
  if (!match) throw new Error(`package.json's start script is not "bash scripts/node.sh [flags] dist/start.js": ${pkg.scripts.start}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** peak RSS since the last reset, sampled every 100 ms from /proc */
  peakRssMiB(): number;
  resetPeak(): void;
  /** CPU seconds (user + system) the process has used so far, from /proc */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startProcess(command: string, args: string[], env: Record<string, string>, ready: RegExp, cwd?: string): Promise<ServerProcess> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kib / 1024);
    } catch {
      /* the process is gone */
    }
  };
  const timer = setInterval(sample, 100);
  timer.unref();
  return {
    child,
    url,
    peakRssMiB: () => (sample(), peak),
    resetPeak: () => {
      peak = 0;
    },
    cpuSeconds: () => {
      try {
        // utime and stime, fields 14 and 15, in clock ticks (100 a second on Linux)
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return Number.NaN;
      }
    },
    stop: async () => {
      clearInterval(timer);
      if (child.exitCode !== null) return;
      child.removeAllListeners('exit');
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}
