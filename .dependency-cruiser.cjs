/**
 * The architecture, as rules on imports (checked by test/architecture/dependencies.test.ts, so by
 * `npm test` and CI). Dependencies point one way, from the edge inwards:
 *
 *   shared/errors.ts, shared/clock.ts   the kernel: typed errors and the one clock; import nothing of ours
 *   shared/domain/                      pure rules and schemas: only the domain and the typed errors
 *   shared/config.ts                    settings, validated with domain schemas
 *   shared/storage/, shared/email/,     I/O: tables and queues; email (which queues through storage);
 *   shared/auth/                        verifying callers (no storage: lookups are decisions, in services)
 *   shared/services/                    every decision: uses domain, storage, email and auth
 *   shared/http/, shared/web/           HTTP plumbing (problem+json, bodies, ETags) and HTML pages;
 *                                       http knows no pages (a form post's error page is passed in)
 *   functions/                          one module per feature, none importing another; all.ts and
 *                                       index.ts gather them
 *   local/, bench/, test/               outside the product: may import it, never imported by it
 *   web/                                the browser bundle: nothing of the server
 *
 * Each rule below forbids one wrong way; its comment says the architecture it keeps.
 */
const ours = '^(shared|functions|local|bench|test|web|scripts)/';

module.exports = {
  forbidden: [
    {
      name: 'kernel-imports-nothing',
      comment:
        'shared/errors.ts and shared/clock.ts are the neutral base every layer may use, so they import nothing of ours.',
      severity: 'error',
      from: { path: '^shared/(errors|clock)\\.ts$' },
      to: { path: ours },
    },
    {
      name: 'domain-is-pure',
      comment:
        'shared/domain holds pure rules and schemas: it imports only the domain and the typed errors (no storage, HTTP, auth, config or clock; time is passed in).',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: ours, pathNot: '^shared/(domain/|errors\\.ts$)' },
    },
    {
      name: 'config-and-definitions-are-low',
      comment:
        'Settings and function definitions are read by every layer above the domain, so they import only the domain and the kernel.',
      severity: 'error',
      from: { path: '^shared/(config|definitions)\\.ts$' },
      to: { path: ours, pathNot: '^shared/(domain/|errors\\.ts$|clock\\.ts$)' },
    },
    {
      name: 'storage-knows-no-callers',
      comment:
        'Storage turns its own failures into typed errors (shared/storage/errors.ts); it never imports HTTP, pages, auth, email, services or features.',
      severity: 'error',
      from: { path: '^shared/storage/' },
      to: { path: '^(shared/(http|web|auth|email|services)/|functions/)' },
    },
    {
      name: 'email-knows-no-callers',
      comment:
        'Email is I/O below the services: it may queue through storage, but never imports HTTP, pages, auth, services or features.',
      severity: 'error',
      from: { path: '^shared/email/' },
      to: { path: '^(shared/(http|web|auth|services)/|functions/)' },
    },
    {
      name: 'auth-reads-no-storage',
      comment:
        'Auth verifies who is calling from the token alone; a lookup in storage (is this partner staff?) is a decision and lives in shared/services.',
      severity: 'error',
      from: { path: '^shared/auth/' },
      to: { path: '^(shared/(storage|email|services|http|web)/|functions/)' },
    },
    {
      name: 'services-answer-no-http',
      comment: 'Services decide and throw typed errors; turning them into HTTP answers or pages is the edge’s job.',
      severity: 'error',
      from: { path: '^shared/services/' },
      to: { path: '^(shared/(http|web)/|functions/)' },
    },
    {
      name: 'http-knows-no-pages-or-data',
      comment:
        'shared/http is plumbing: problem+json in one place, bodies, ETags. It imports no pages (endpoints pass their error page in), no storage, email or services.',
      severity: 'error',
      from: { path: '^shared/http/' },
      to: { path: '^(shared/(web|storage|email|services)/|functions/)' },
    },
    {
      name: 'pages-read-no-data',
      comment: 'shared/web renders pages; what they show comes from the services through the feature modules.',
      severity: 'error',
      from: { path: '^shared/web/' },
      to: { path: '^(shared/(storage|services)/|functions/)' },
    },
    {
      name: 'features-are-independent',
      comment:
        'A feature module never imports another; what two share lives in shared/. Only functions/all.ts (the list) and functions/index.ts (Azure registration) gather them.',
      severity: 'error',
      from: { path: '^functions/', pathNot: '^functions/(all|index)\\.ts$' },
      to: { path: '^functions/' },
    },
    {
      name: 'features-call-services',
      comment:
        'A handler authenticates, parses, calls one service function and answers; storage is the services’ business. Queue and table names (shared/storage/names.ts) are what a trigger binds to, so features may name them.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^shared/storage/', pathNot: '^shared/storage/names\\.ts$' },
    },
    {
      name: 'product-knows-no-outside',
      comment:
        'Production code (shared/, functions/) knows nothing of the local host, the benchmarks, the tests, the build scripts or the browser bundle.',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { path: '^(local|bench|test|scripts|web)/' },
    },
    {
      name: 'browser-bundle-stands-alone',
      comment:
        'web/ runs in the browser and talks to the API over HTTP: it imports nothing of the server (at most a small shared domain module with no server dependencies).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(functions|local|bench|test|scripts)/|^shared/(?!domain/)' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules are one; split out what both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
