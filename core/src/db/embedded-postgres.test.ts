import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/ports';
import { loadConfig } from '../config';
import { silentLogger } from '../logger';
import { connectDatabase } from './connect';

// `npm start` without DATABASE_URL runs its own PostgreSQL under the data dir. These tests run the
// real launcher and the real embedded server, as an operator would.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atelier-embedded-'));
  chmodSync(dir, 0o755); // like a fresh .atelier/; as root, postgres runs as the postgres user
  dirs.push(dir);
  return dir;
}

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` (launcher/main.ts) with only the given environment beyond PATH and HOME. */
function launch(env: Record<string, string>): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', 'launcher/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function untilListening(launched: Launched): Promise<void> {
  while (!launched.output().includes('Atelier is listening on')) {
    const ended = await Promise.race([
      once(launched.child.stdout!, 'data').then(() => false),
      launched.exited.then(() => true),
    ]);
    if (ended) throw new Error(`npm start exited early:\n${launched.output()}`);
  }
}

describe('npm start with the embedded PostgreSQL', () => {
  it('a second start on the same data dir says what is wrong and how to fix it; SIGTERM then stops the first in order, quietly', async () => {
    const dir = dataDir();
    const env = {
      ATELIER_DATA_DIR: dir,
      PORT: '0',
      // Debug includes PostgreSQL's own log, which names every connection it had to cut.
      LOG_LEVEL: 'debug',
      EMBEDDED_PG_PORT: String(await freePort()),
    };
    const first = launch(env);
    try {
      await untilListening(first);

      const second = launch({ ...env, EMBEDDED_PG_PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/already using the data directory/);
      expect(second.output()).toMatch(/ATELIER_DATA_DIR/);
      expect(second.output()).not.toMatch(/failed to start: undefined/);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    const log = first.output();
    expect(log).toMatch(/shutting down/);
    expect(log).toMatch(/embedded PostgreSQL started/);
    expect(log).not.toMatch(/job queue error|terminating connection|"level":"error"/);
    // The embedded server was stopped too, not left running.
    expect(existsSync(path.join(dir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 180_000);

  it('an explicitly configured port that is taken is refused with what to do', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const config = loadConfig({ ATELIER_DATA_DIR: dataDir(), EMBEDDED_PG_PORT: String(port) });
      await expect(connectDatabase(config, silentLogger)).rejects.toThrow(
        new RegExp(`Port ${port} .*EMBEDDED_PG_PORT.*already taken.*Set EMBEDDED_PG_PORT to a free port`),
      );
    } finally {
      blocker.close();
    }
  });

  it('without a configured port, a taken one is replaced by a free port that the data dir remembers', async () => {
    const dir = dataDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port: taken } = blocker.address() as net.AddressInfo;
    writeFileSync(path.join(dir, 'postgres-port'), `${taken}\n`); // remembered from an earlier start
    const config = loadConfig({ ATELIER_DATA_DIR: dir });
    try {
      const conn = await connectDatabase(config, silentLogger);
      const chosen = Number(readFileSync(path.join(dir, 'postgres-port'), 'utf8'));
      try {
        expect(chosen).not.toBe(taken);
        expect(new URL(conn.url).port).toBe(String(chosen));
        const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(conn.db);
        expect(rows).toEqual([{ ok: 1 }]);
      } finally {
        await conn.close();
      }
      // The next start uses the remembered port again.
      const again = await connectDatabase(config, silentLogger);
      expect(new URL(again.url).port).toBe(String(chosen));
      await again.close();
    } finally {
      blocker.close();
    }
  }, 120_000);
});
