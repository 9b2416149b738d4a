import { loadConfig } from '../../config';
import { connectDatabase } from '../../db/connect';
import { createLogger } from '../../logger';
import { reconcileLedger } from './reconcile';

/** `npm run reconcile`: prints every broken ledger invariant and exits 1 if there is any. */
const config = loadConfig();
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
const conn = await connectDatabase(config, logger);
try {
  const problems = await reconcileLedger(conn.db);
  for (const p of problems) console.log(`MISMATCH [${p.check}] ${p.subject}: ${p.detail}`);
  console.log(
    problems.length === 0 ? 'Ledger reconciled: every invariant holds.' : `${problems.length} mismatch(es).`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await conn.close();
}
