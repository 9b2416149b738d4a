import { userInfo } from 'node:os';
import path from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { startCore } from '../../core/src/app';
import { ConfigError, loadConfig } from '../../core/src/config';
import { connectDatabase } from '../../core/src/db/connect';
import { createServiceToken, revokeServiceTokens } from '../../core/src/domain/auth/auth.service';
import { createLogger } from '../../core/src/logger';
import { startConsoleChat } from './console.adapter';

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
      () => conn.close(),
      () => core.stop(),
    );
    await revokeServiceTokens(conn.db, 'console-chat');
    serviceToken = await createServiceToken(conn.db, { name: 'console-chat', platform: 'console' });
    coreUrl = core.url;
  }

  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
  // Bot lines arrive at any time (deliveries): write them above the prompt, then redraw it.
  const print = (line: string) => {
    if (process.stdout.isTTY) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(`${line}\n`);
    if (process.stdout.isTTY) rl.prompt(true);
  };
  const chat = startConsoleChat({
    coreUrl,
    serviceToken,
    userName: userInfo().username || 'local',
    downloadDir: path.join(config.dataDir, 'chat-downloads'),
    print,
    logger,
  });
  print('Atelier chat: type /help for the commands, /quit to leave.');

  const pending = new Set<Promise<void>>();
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    rl.close();
    await Promise.allSettled([...pending]);
    await chat.close();
    for (const stop of stops.reverse()) await stop();
    process.exit(0);
  };
  rl.on('line', (line) => {
    if (/^\/(quit|exit)\b/i.test(line.trim())) return void close();
    const work = chat.input(line).catch((error: unknown) => print(`Something went wrong: ${String(error)}`));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  rl.on('close', () => void close());
  process.on('SIGINT', () => void close());
  rl.prompt();
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Atelier chat failed to start: ${String(error)}`,
  );
  process.exit(1);
});
