import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../core/src/db/database';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../core/src/db/embedded-postgres';
import { migrateToLatest } from '../../core/src/db/migrate';
import { startJobQueue } from '../../core/src/jobs/job-queue';
import { silentLogger } from '../../core/src/logger';
import { ensureWebAppBuilt } from '../../launcher/web-app-build';
import { TEMPLATE_DB, withDatabase } from './template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when set, otherwise an embedded server
 * in a temporary directory. A migrated template database is cloned per test file (see db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'atelier-test-pg-'));
    const port = 55000 + Math.floor(Math.random() * 5000);
    server = await startEmbeddedPostgres({
      dataDir: dir,
      port,
      logger: silentLogger,
      persistent: false,
      maxConnections: 400,
      // Other programs (another test run, a fake server) may hold the random port: take a free one.
      onPortTaken: 'pick',
    });
    adminUrl = server.url('postgres');
  }
  const admin = openDatabase(adminUrl, { max: 1 });
  const { sql } = await import('kysely');
  await sql.raw(`drop database if exists ${TEMPLATE_DB} with (force)`).execute(admin.db);
  await sql.raw(`create database ${TEMPLATE_DB}`).execute(admin.db);
  await admin.close();
  const template = openDatabase(withDatabase(adminUrl, TEMPLATE_DB), { max: 1 });
  await migrateToLatest(template.db);
  await template.close();
  // pg-boss creates its own schema on start; doing it once here keeps it out of every test file.
  const jobs = await startJobQueue({ url: withDatabase(adminUrl, TEMPLATE_DB), logger: silentLogger });
  await jobs.stop();
  project.provide('pgAdminUrl', adminUrl);
  // Browser tests run against the built web app, as production serves it; rebuilt only when stale.
  await ensureWebAppBuilt((message) => console.log(`[web-admin] ${message}`));
  return async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
