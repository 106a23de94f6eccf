// The Fastify ceiling: a bare hello-world route on the same Node.js.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening at ${address}`);
