import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../../test/support/db';
import { freePort } from '../../../test/support/ports';
import { startCore } from '../app';
import { loadConfig } from '../config';
import { silentLogger } from '../logger';

const t = useTestDatabase();

describe('requests while core is starting', () => {
  it('are answered 503 with Retry-After until core is ready, then served; none is left hanging', async () => {
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      ATELIER_SECRET: 'test-secret-test-secret',
      ATELIER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'atelier-startup-')),
    });
    let ready = false;
    const starting = startCore({ config, db: t.db, dbUrl: t.url, logger: silentLogger, host: '127.0.0.1' });
    void starting.then(() => {
      ready = true;
    });

    // A client that keeps knocking from the moment the port opens, one request after another: each
    // request must get an answer, or this loop never ends.
    const answers: { status: number; retryAfter: string | null }[] = [];
    while (!ready) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      if (!res) continue; // not listening yet
      await res.arrayBuffer();
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
    }
    const app = await starting;
    try {
      const early = answers.filter((a) => a.status === 503);
      expect(early.length).toBeGreaterThan(0);
      expect(early.every((a) => a.retryAfter === '1')).toBe(true);
      expect(answers.every((a) => a.status === 503 || a.status === 200)).toBe(true);
      const after = await fetch(`${app.url}/healthz`);
      expect(after.status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});
