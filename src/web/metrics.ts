// Prometheus metrics (prom-client), each app with its own registry. Served on
// /metrics only with METRICS_TOKEN set, and then only to a matching bearer token.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { constantTimeEqual } from '../crypto/tokens.js';

export class TwofoldMetrics {
  readonly registry = new Registry();
  readonly signIns = new Counter({ name: 'twofold_sign_ins_total', help: 'Sign-in steps by step and outcome', labelNames: ['step', 'outcome'] as const, registers: [this.registry] });
  readonly codeChecks = new Counter({ name: 'twofold_code_checks_total', help: 'Second-factor code checks by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly forwardAuth = new Counter({ name: 'twofold_forward_auth_total', help: 'Forward-auth answers to the proxy by endpoint (auth_request, forward_auth) and outcome (allowed, refused)', labelNames: ['endpoint', 'outcome'] as const, registers: [this.registry] });
  readonly sms = new Counter({ name: 'twofold_sms_total', help: 'SMS sends by provider and outcome', labelNames: ['provider', 'outcome'] as const, registers: [this.registry] });
  readonly requestDuration = new Histogram({
    name: 'twofold_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly hashDuration = new Histogram({
    name: 'twofold_password_hash_duration_seconds',
    help: 'argon2id hash and verify time',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28],
    registers: [this.registry],
  });
  private pgPool: { totalCount: number; idleCount: number; waitingCount: number } | undefined;
  // Read by its own collect: set from another metric's collect, it was empty at the first
  // scrape and a scrape behind after that.
  readonly dbPool = new Gauge({
    name: 'twofold_db_pool_connections',
    help: 'PostgreSQL pool connections by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      if (!this.pgPool) return;
      this.dbPool.set({ state: 'total' }, this.pgPool.totalCount);
      this.dbPool.set({ state: 'idle' }, this.pgPool.idleCount);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twofold_' });
  }

  /** What the services tell the metrics (given to createServiceContext; nothing is replaced later). */
  readonly serviceHooks = {
    onHashTiming: (operation: 'hash' | 'verify', seconds: number) => this.hashDuration.observe({ operation }, seconds),
    onSmsResult: (provider: string, sent: boolean) => this.sms.inc({ provider, outcome: sent ? 'sent' : 'failed' }),
  };

  /** PostgreSQL pool use and lost connections, read when scraped so the figures are current. */
  watchDatabase(store: { pgPool?: { totalCount: number; idleCount: number; waitingCount: number } | undefined; connectionEvents: { counts: Readonly<Record<string, number>> } }): void {
    const { pgPool: pool, connectionEvents } = store;
    // The store counts lost connections (it has no registry).
    new Counter({
      name: 'twofold_db_connection_events_total',
      help: 'Lost PostgreSQL connections: idle ones dropped by the pool, checked-out ones, statements retried on a fresh connection, statements failed, connections refused',
      labelNames: ['event'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [event, count] of Object.entries(connectionEvents.counts)) this.inc({ event }, count);
      },
    });
    if (!pool) return;
    this.pgPool = pool;
    new Gauge({
      name: 'twofold_db_pool_waiting',
      help: 'Queries waiting for a PostgreSQL connection',
      registers: [this.registry],
      collect() {
        this.set(pool.waitingCount);
      },
    });
  }

  install(app: FastifyInstance, token: string | undefined): void {
    // One labelled child per method, route and status, kept: finding it by its labels on
    // every reply cost more than the observation. Routes are a fixed set (unmatched paths
    // share one label), so this stays small.
    const children = new Map<string, { observe(value: number): void }>();
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = this.requestDuration.labels({ method: request.method, route, status: String(reply.statusCode) });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
    });
    if (!token) return;
    app.get('/metrics', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      if (!constantTimeEqual(header, `Bearer ${token}`)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'metrics need the bearer token' });
      return reply.type(this.registry.contentType).send(await this.registry.metrics());
    });
  }
}
