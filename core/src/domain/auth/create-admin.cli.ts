import { parseArgs } from 'node:util';
import { loadConfig } from '../../config';
import { connectDatabase } from '../../db/connect';
import { isAppError } from '../../errors';
import { createLogger } from '../../logger';
import { createWebLogin } from './auth.service';

/**
 * `npm run create-admin -- --username ada --role admin` (password from ATELIER_ADMIN_PASSWORD or stdin).
 * Creates the first admin, or resets an existing login's password.
 */
const { values } = parseArgs({
  options: { username: { type: 'string' }, role: { type: 'string', default: 'admin' } },
});
const role = values.role === 'moderator' ? 'moderator' : 'admin';
if (!values.username) {
  console.error(
    'Usage: npm run create-admin -- --username NAME [--role admin|moderator]  (password on stdin)',
  );
  process.exit(2);
}
const config = loadConfig();
const password = config.env.ATELIER_ADMIN_PASSWORD ?? (await readStdin()).trim();
const conn = await connectDatabase(config, createLogger('warn'));
try {
  const user = await createWebLogin(conn.db, { username: values.username, password, role });
  console.log(`${role} login ready for ${values.username} (user ${user.id}).`);
} catch (error) {
  console.error(isAppError(error) ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await conn.close();
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (at least 12 characters): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
