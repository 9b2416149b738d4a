import path from 'node:path';
import { runConsoleRepl } from '../bots/console/console-repl';
import { startCore } from '../core/src/app';
import { ConfigError, loadConfig } from '../core/src/config';
import { connectDatabase } from '../core/src/db/connect';
import { createServiceToken, revokeServiceTokens } from '../core/src/domain/auth/auth.service';
import { createLogger } from '../core/src/logger';

/**
 * `npm run chat`: Atelier's commands in a terminal, for the local user. With CORE_URL and
 * CORE_SERVICE_TOKEN (platform console) it talks to a running core; otherwise it starts core in this
 * process on the embedded defaults (stop `npm start` first: they share the embedded database).
 */
async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, PORT: '0' });
  // Logs go to stderr at warn, so the conversation on stdout stays readable.
  const logger = createLogger(config.logLevel, { process: 'chat' }, (line) => process.stderr.write(line));
  const stops: (() => Promise<void>)[] = [];
  let coreUrl = config.env.CORE_URL;
  let serviceToken = config.env.CORE_SERVICE_TOKEN;
  if (!coreUrl || !serviceToken) {
    console.log('Starting Atelier on this machine (embedded database)…');
    const conn = await connectDatabase(config, logger, { max: 10 });
    const core = await startCore({
      config,
      db: conn.db,
      dbUrl: conn.url,
      logger,
      worker: true,
      host: '127.0.0.1',
    });
    stops.push(
      () => core.stop(),
      () => conn.close(),
    );
    await revokeServiceTokens(conn.db, 'console-chat');
    serviceToken = await createServiceToken(conn.db, { name: 'console-chat', platform: 'console' });
    coreUrl = core.url;
  }
  runConsoleRepl({
    coreUrl,
    serviceToken,
    downloadDir: path.join(config.dataDir, 'chat-downloads'),
    logger,
    onClose: async () => {
      for (const stop of stops) await stop();
    },
  });
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Atelier chat failed to start: ${String(error)}`,
  );
  process.exit(1);
});
