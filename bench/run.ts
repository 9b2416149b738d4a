import { benchCredits } from './credits.bench';
import { benchDiscord } from './discord.bench';
import { benchGeneration } from './generation.bench';
import { benchHistory } from './history.bench';
import { benchKit } from './kit.bench';
import { benchLogin } from './login.bench';
import { benchSlack } from './slack.bench';
import { benchStudio } from './studio.bench';
import { benchDatabase } from './support';
import { benchTelegram } from './telegram.bench';
import { benchTrpc } from './trpc.bench';
import { benchWeb } from './web.bench';

/**
 * `npm run bench [name...]`: prints figures; asserts nothing. Names: credits, discord, generation, history, kit, login, slack, studio, telegram, trpc, web (default: all).
 * BENCH_SECONDS sets each measurement's duration; BENCH_DATABASE_URL uses an existing server.
 */
const suites: Record<string, (db: Awaited<ReturnType<typeof benchDatabase>>) => Promise<void>> = {
  credits: benchCredits,
  discord: benchDiscord,
  generation: benchGeneration,
  history: benchHistory,
  kit: benchKit,
  login: benchLogin,
  slack: benchSlack,
  studio: benchStudio,
  telegram: benchTelegram,
  trpc: benchTrpc,
  web: benchWeb,
};
const wanted = process.argv.slice(2).filter((a) => a in suites);
const db = await benchDatabase();
try {
  for (const name of wanted.length > 0 ? wanted : Object.keys(suites)) {
    await suites[name]!(db);
    console.log('');
  }
} finally {
  await db.close();
}
