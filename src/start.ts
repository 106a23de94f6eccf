// `npm start` begins here. argon2 hashes on libuv's thread pool; size it to the cores
// (unless the operator chose) before anything starts the pool, so hashing uses every
// core and never waits behind file or DNS work. Then the server proper.
import { availableParallelism } from 'node:os';

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
await import('./main.js');
