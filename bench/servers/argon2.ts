// The hashing ceiling: argon2id hashes per second with Twofold's parameters on all
// cores (libuv's pool sized to the cores, as `npm start` does), for a fixed time.
import { availableParallelism } from 'node:os';
import { PasswordHasher } from '../../src/crypto/password-hash.js';

const seconds = Number(process.argv[2] ?? 10);
const hasher = new PasswordHasher();
const workers = availableParallelism();
let done = 0;
const deadline = performance.now() + seconds * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: workers * 2 }, async () => {
    while (performance.now() < deadline) {
      await hasher.hash('correct horse battery staple');
      done += 1;
    }
  }),
);
console.log(JSON.stringify({ hashesPerSecond: done / ((performance.now() - started) / 1000), workers }));
