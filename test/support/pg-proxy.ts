import net from 'node:net';
import type { DatabaseHandle } from '../../core/src/db/database';
import { openDatabase } from '../../core/src/db/database';
import type { TestDatabase } from './db';

/**
 * A TCP proxy in front of the test PostgreSQL, so a test can take the database away from one process
 * (a network partition, a failover) while the rest of the test keeps using it directly. While cut,
 * every open connection is dropped and new ones are refused, as with a server that is down.
 */
export class PgProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  /** `target` is read when the proxy starts (test databases get their URL in a beforeAll hook). */
  constructor(private readonly target: () => string) {}

  /** The target URL with the proxy's address; listens on a fresh port the first time. */
  async start(): Promise<string> {
    await this.listen();
    const url = new URL(this.target());
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href;
  }

  /** Drops every connection and refuses new ones until `restore()`. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again, on the same port. */
  restore(): Promise<void> {
    return this.listen();
  }

  close(): Promise<void> {
    return this.cut();
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const target = new URL(this.target());
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }
}

/** The test database seen through a proxy: what `useTestCore` needs, with its own pool. */
export function proxiedDatabase(
  t: TestDatabase,
  proxy: PgProxy,
): TestDatabase & { open(): Promise<void>; close(): Promise<void> } {
  let handle: DatabaseHandle | undefined;
  let url = '';
  return {
    async open() {
      url = await proxy.start();
      handle = openDatabase(url, { max: 10 });
    },
    get db() {
      if (!handle) throw new Error('call open() first');
      return handle.db;
    },
    get url() {
      return url;
    },
    connect: (max) => t.connect(max),
    close: async () => {
      await handle?.close();
    },
  };
}
