// Load generators: autocannon for single requests; a small flow runner for multi-step
// flows (sign-in with cookies and fresh codes). Every run is bounded in time.
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile, type RunResult } from './stats.js';
import type { ServerProcess } from './processes.js';

export async function hammer(server: ServerProcess, options: { path: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; seconds: number; connections: number }): Promise<RunResult> {
  server.resetPeak();
  const cpu = cpuMeter(server);
  const result = await autocannon({
    url: `${server.url}${options.path}`,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body ? { body: options.body } : {}),
    connections: options.connections,
    duration: options.seconds,
  });
  return {
    perSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    peakRssMiB: server.peakRssMiB(),
    serverCpuCores: cpu(),
  };
}

/** Starts measuring the server's CPU; the function returns the cores it used on average since. */
function cpuMeter(server: ServerProcess): () => number {
  const cpuBefore = server.cpuSeconds();
  const started = performance.now();
  return () => (server.cpuSeconds() - cpuBefore) / ((performance.now() - started) / 1000);
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A cookie-keeping client over a shared keep-alive pool. */
export class FlowClient {
  cookies = new Map<string, string>();
  constructor(private readonly pool: Pool) {}

  async request(method: 'GET' | 'POST', path: string, body?: string, contentType = 'application/x-www-form-urlencoded', extraHeaders: Record<string, string> = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { 'user-agent': 'twofold-bench', ...extraHeaders };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await this.pool.request({ method, path, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.body.text();
    const setCookie = response.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value.join('=') === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return { status: response.statusCode, headers: response.headers, body: text };
  }
}

/**
 * Runs `flow` from `concurrency` workers for `seconds`, each call one completed flow;
 * reports completions per second and per-flow latency.
 */
export async function runFlows(server: ServerProcess, options: { seconds: number; concurrency: number; flow: (client: FlowClient, index: number) => Promise<boolean> }): Promise<RunResult> {
  server.resetPeak();
  const cpu = cpuMeter(server);
  const pool = new Pool(server.url, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const index = next++;
        const t0 = performance.now();
        try {
          if (await options.flow(new FlowClient(pool), index)) latencies.push(performance.now() - t0);
          else errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const serverCpuCores = cpu();
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsedSeconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors, peakRssMiB: server.peakRssMiB(), serverCpuCores };
}
