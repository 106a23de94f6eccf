// Harbour CRM on its own: `node --import tsx examples/crm/main.ts` with the app's
// registration in the environment (from `npx twofold client add`).
import { buildCrm } from './app.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set. Register the CRM with \`npx twofold client add\` and set TWOFOLD_ISSUER, CRM_CLIENT_ID and CRM_CLIENT_SECRET.`);
    process.exit(2);
  }
  return value;
}

const port = Number(process.env.CRM_PORT ?? 4000);
const app = await buildCrm({
  issuer: required('TWOFOLD_ISSUER'),
  clientId: required('CRM_CLIENT_ID'),
  clientSecret: required('CRM_CLIENT_SECRET'),
  // The address people type; the callback registered with Twofold must be <this>/callback.
  baseUrl: process.env.CRM_BASE_URL ?? `http://localhost:${port}`,
  logger: true,
});
await app.listen({ port, host: process.env.CRM_HOST ?? '127.0.0.1' });
console.log(`Harbour CRM listening at http://localhost:${port}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
