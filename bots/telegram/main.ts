import { createServer } from 'node:http';
import { startTelegramBot, WEBHOOK_PATH } from './telegram.adapter';

/**
 * The Telegram bot as its own process (docker-compose's `telegram` service):
 * CORE_URL, CORE_SERVICE_TOKEN (npm run service-token -- --platform telegram), TELEGRAM_BOT_TOKEN;
 * optional TELEGRAM_API_ROOT, and PUBLIC_URL + TELEGRAM_WEBHOOK_SECRET (+ PORT, default 8788) for
 * webhook mode. `npm start` runs the same bot in core's process instead (startTelegramBot).
 */
function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) {
    console.error(`${name} is required (see .env.example)`);
    process.exit(1);
  }
  return value;
}

const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};
const logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };

const optional = (name: string) => process.env[name]?.trim() || undefined;
const publicUrl = optional('PUBLIC_URL');
const apiRoot = optional('TELEGRAM_API_ROOT');
const webhookSecret = optional('TELEGRAM_WEBHOOK_SECRET');

const bot = await startTelegramBot({
  token: required('TELEGRAM_BOT_TOKEN'),
  coreUrl: required('CORE_URL'),
  serviceToken: required('CORE_SERVICE_TOKEN'),
  logger,
  ...(apiRoot ? { apiRoot } : {}),
  ...(publicUrl ? { publicUrl } : {}),
  ...(webhookSecret ? { webhookSecret } : {}),
});

let server: ReturnType<typeof createServer> | undefined;
if (bot.webhookHandler) {
  const handler = bot.webhookHandler;
  server = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === WEBHOOK_PATH) {
      handler(req, res).catch((error: unknown) => {
        logger.error('webhook request failed', { error: String(error) });
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  const port = Number(optional('PORT') ?? 8788);
  server.listen(port, () => logger.info('telegram webhook listening', { port, path: WEBHOOK_PATH }));
}

const shutdown = async () => {
  server?.close();
  await bot.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
