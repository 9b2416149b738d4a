import http from 'node:http';
import path from 'node:path';
import type { Config } from './config';
import type { Db } from './db/database';
import { createMetrics } from './http/metrics';
import { closeGracefully, createRequestHandler, listen, type RouteHandler } from './http/server';
import type { Logger } from './logger';
import { type AnyObjectStore, createLocalFilesHandler, createObjectStore } from './storage';
import { ActorResolver, type Deps } from './trpc/context';

export interface CoreApp {
  deps: Deps;
  /** Where core listens, e.g. http://127.0.0.1:8787 */
  url: string;
  stop(): Promise<void>;
}

/** The object store from configuration: S3 when configured, else local disk served under /files. */
export async function openStorage(config: Config, baseUrl: string): Promise<AnyObjectStore> {
  const storage = createObjectStore({
    s3: config.s3,
    local: {
      rootDir: path.join(config.dataDir, 'objects'),
      publicUrl: baseUrl,
      signingSecret: config.secret,
    },
  });
  if (storage.kind === 's3') await storage.ensureBucket();
  return storage;
}

/** Builds core's dependencies and starts its HTTP server on an already migrated database. */
export async function startCore(opts: {
  config: Config;
  db: Db;
  logger: Logger;
  host?: string;
}): Promise<CoreApp> {
  const { config, db, logger } = opts;
  // Listen first: with PORT=0 the real port is only known afterwards, and signed URLs need it.
  const server = http.createServer();
  const address = await listen(server, config.port, opts.host);
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const url = `http://${shownHost}:${address.port}`;
  const baseUrl = config.publicUrl ?? url;
  const storage = await openStorage(config, baseUrl);
  const deps: Deps = {
    db,
    config,
    logger,
    actors: new ActorResolver(db, config.starterCredits),
    storage,
    baseUrl,
  };
  const routes: { prefix: string; name: string; handle: RouteHandler }[] = [];
  if (storage.kind === 'local') {
    routes.push({
      prefix: '/files/',
      name: 'files',
      handle: createLocalFilesHandler(storage, { signingSecret: config.secret }),
    });
  }
  server.on('request', createRequestHandler({ deps, metrics: createMetrics(), routes }));
  return { deps, url, stop: () => closeGracefully(server) };
}
