import type { Config } from './config';
import type { Db } from './db/database';
import { createMetrics } from './http/metrics';
import { closeGracefully, createHttpServer, listen } from './http/server';
import type { Logger } from './logger';
import { ActorResolver, type Deps } from './trpc/context';

export interface CoreApp {
  deps: Deps;
  /** Where core listens, e.g. http://127.0.0.1:8787 */
  url: string;
  stop(): Promise<void>;
}

/** Builds core's dependencies and starts its HTTP server on an already migrated database. */
export async function startCore(opts: {
  config: Config;
  db: Db;
  logger: Logger;
  host?: string;
}): Promise<CoreApp> {
  const { config, db, logger } = opts;
  const deps: Deps = { db, config, logger, actors: new ActorResolver(db, config.starterCredits) };
  const metrics = createMetrics();
  const server = createHttpServer({ deps, metrics });
  const address = await listen(server, config.port, opts.host);
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return {
    deps,
    url: `http://${shownHost}:${address.port}`,
    stop: () => closeGracefully(server),
  };
}
