import { parseArgs } from 'node:util';
import { loadConfig } from '../../config';
import { connectDatabase } from '../../db/connect';
import type { Platform } from '../../db/types';
import { createLogger } from '../../logger';
import { createServiceToken } from './auth.service';

/**
 * `npm run service-token -- --platform telegram [--name telegram-bot]`: prints a new service token for a
 * bot deployed as its own process (set it as that bot's CORE_SERVICE_TOKEN). Shown once, stored hashed.
 * The name stands for the bot: keep it when rotating the token, since a command's request key (a repeat
 * after a restart) is only matched among the same user's commands through the same bot name.
 */
const PLATFORMS: Platform[] = ['discord', 'telegram', 'slack', 'console'];
const { values } = parseArgs({ options: { platform: { type: 'string' }, name: { type: 'string' } } });
const platform = PLATFORMS.find((p) => p === values.platform);
if (!platform) {
  console.error(`Usage: npm run service-token -- --platform ${PLATFORMS.join('|')} [--name NAME]`);
  process.exit(2);
}
const conn = await connectDatabase(loadConfig(), createLogger('warn'));
try {
  console.log(await createServiceToken(conn.db, { platform, name: values.name ?? `${platform}-bot` }));
} finally {
  await conn.close();
}
