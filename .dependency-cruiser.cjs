// The layers, enforced by `npm test` (scripts/check-layers.sh): each may use the ones
// below it and never one above. domain (pure rules) ← store (every SQL statement) ←
// sms/, mail/ (providers) ← services (use cases) ← web/, cli/ (thin). errors.ts is the
// one table everyone shares; config.ts, runtime.ts, main.ts and start.ts assemble it all.
const ASSEMBLY = '^src/(main|start|runtime)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds the rules as pure functions: it may use other rules and the errors table, nothing that does I/O',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: ['^src/domain/', '^src/errors\\.ts$'] },
    },
    {
      name: 'crypto-is-a-leaf',
      comment: 'crypto/ is tokens, hashing and sealing: it knows no store, service or page',
      severity: 'error',
      from: { path: '^src/crypto/' },
      to: { path: '^src/', pathNot: ['^src/crypto/', '^src/domain/', '^src/errors\\.ts$'] },
    },
    {
      name: 'store-is-below-everything-that-uses-it',
      comment: 'store/ owns the SQL; it must not reach up into providers, services, pages or the command line',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: ['^src/(sms|mail|services|web|cli)/', ASSEMBLY, '^src/config\\.ts$'] },
    },
    {
      name: 'the-store-opens-no-transaction',
      comment: 'services decide what is one change (services/transaction.ts); a store function runs inside whatever it is given',
      severity: 'error',
      from: { path: '^src/store/', pathNot: '^src/store/transactions\\.ts$' },
      to: { path: '^src/store/transactions\\.ts$' },
    },
    {
      name: 'one-way-to-make-a-transaction',
      comment: 'use cases call inTransaction (services/transaction.ts), which adds afterCommit',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/services/transaction\\.ts$', '^src/store/'] },
      to: { path: '^src/store/transactions\\.ts$' },
    },
    {
      name: 'providers-are-below-services',
      comment: 'sms/ and mail/ are small interfaces with their providers; services call them, not the other way round',
      severity: 'error',
      from: { path: '^src/(sms|mail)/' },
      to: { path: ['^src/(services|web|cli)/', ASSEMBLY] },
    },
    {
      name: 'providers-do-not-know-each-other',
      severity: 'error',
      from: { path: '^src/sms/' },
      to: { path: '^src/mail/' },
    },
    {
      name: 'providers-do-not-know-each-other-either-way',
      severity: 'error',
      from: { path: '^src/mail/' },
      to: { path: '^src/sms/' },
    },
    {
      name: 'services-are-below-web-and-cli',
      comment: 'a use case does not know which page or command called it',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: ['^src/(web|cli)/', ASSEMBLY] },
    },
    {
      name: 'web-and-cli-call-services-not-the-store',
      comment: 'routes, views and commands are thin: they call a service, which uses the store',
      severity: 'error',
      from: { path: '^src/(web|cli)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'web-and-cli-are-apart',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-and-web-are-apart',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/web/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: a view that names a store row type depends on the store.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
