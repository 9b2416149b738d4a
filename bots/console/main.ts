import path from 'node:path';
import { runConsoleRepl } from './console-repl';

/**
 * The console chat against a running core: CORE_URL and CORE_SERVICE_TOKEN (platform console, from
 * `npm run service-token -- --platform console`). `npm run chat` (launcher/chat.ts) uses this when
 * both are set and otherwise starts core in its own process first.
 */
const coreUrl = process.env.CORE_URL?.trim();
const serviceToken = process.env.CORE_SERVICE_TOKEN?.trim();
if (!coreUrl || !serviceToken) {
  console.error('CORE_URL and CORE_SERVICE_TOKEN are required (see .env.example)');
  process.exit(1);
}
const warn = (msg: string, fields?: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...fields })}\n`);
runConsoleRepl({
  coreUrl,
  serviceToken,
  downloadDir: path.resolve(process.env.ATELIER_DATA_DIR?.trim() || '.atelier', 'chat-downloads'),
  logger: { debug() {}, info() {}, warn, error: warn },
});
