import path from 'node:path';
import type { Config } from './config';
import type { Db } from './db/database';
import { clearReadCaches } from './db/read-cache';
import { userChanged } from './domain/accounts/user-changes';
import { createStripeClient } from './domain/billing/stripe-client';
import { countResubmits } from './domain/generation/generation.repo';
import { DISPATCH_TO_WORKERS } from './domain/generation/generation.service';
import { finalizeGeneration } from './domain/generation/pipeline';
import { Throttle } from './domain/throttle/throttle.service';
import { acceptsUploadWrite } from './domain/uploads/uploads.service';
import { createEventBus } from './events/event-bus';
import { createFalWebhookRoute } from './http/fal-webhook.route';
import { createMetrics, registerDatabaseMetrics } from './http/metrics';
import { openGraphFor } from './http/open-graph';
import { closeGracefully, createRequestHandler, createServer, listen, type Route } from './http/server';
import { createStripeWebhookRoute } from './http/stripe-webhook.route';
import { createWebAppRoutes } from './http/web-app.route';
import { startJobQueue } from './jobs/job-queue';
import { startWorker, type Worker, type WorkerOptions } from './jobs/worker';
import type { Logger } from './logger';
import { createProvider, type GenerationProvider } from './providers';
import { createFalWebhookVerifier } from './providers/fal/fal-webhook';
import { type AnyObjectStore, createLocalFilesHandler, createObjectStore } from './storage';
import { ActorResolver, type Deps } from './trpc/context';

export interface CoreApp {
  deps: Deps;
  /** Where core listens, e.g. http://127.0.0.1:8787 */
  url: string;
  worker: Worker | null;
  /** Adds an HTTP route after start-up (e.g. a bot's webhook endpoint). */
  mount(route: Route): void;
  stop(): Promise<void>;
}

export interface CoreOptions {
  config: Config;
  db: Db;
  /** The same database's URL: pg-boss and LISTEN/NOTIFY open their own connections. */
  dbUrl: string;
  logger: Logger;
  host?: string;
  /** Run the job worker in this process too (npm start does; a separate worker process is also fine). */
  worker?: boolean | WorkerOptions;
  /** Overrides the provider chosen from configuration (fal with FAL_KEY, else demo). */
  provider?: GenerationProvider;
  /** Job polling interval in seconds (tests use a shorter one). */
  jobPollSeconds?: number;
  /** The built web app to serve (default: web-admin/dist in the repository). */
  webAppDir?: string;
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

/**
 * Builds core's dependencies on an already migrated database and starts its HTTP server (tRPC,
 * webhooks, files, health, metrics) and, when asked, the job worker.
 */
export async function startCore(opts: CoreOptions): Promise<CoreApp> {
  const { config, db, logger } = opts;
  // Listen first: with PORT=0 the real port is only known afterwards, and signed URLs need it. Until
  // the handler is attached below, requests are answered 503 with Retry-After.
  const { server, serve } = createServer();
  const address = await listen(server, config.port, opts.host);
  const shownHost = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const url = `http://${shownHost}:${address.port}`;
  const baseUrl = config.publicUrl ?? url;
  const storage = await openStorage(config, baseUrl);
  const provider =
    opts.provider ??
    createProvider({
      falKey: config.env.FAL_KEY,
      falApiRoot: config.env.FAL_API_ROOT,
      falOutputHosts: config.falOutputHosts,
      logger,
    });
  const events = await createEventBus(opts.dbUrl, logger);
  // Settings every request reads are cached; a change anywhere (or a missed one) drops the copies.
  events.subscribe((event) => {
    if (event.type === 'settings') clearReadCaches(db);
    else if (event.type === 'user') userChanged(event.userId);
    else if (event.type === 'resync') {
      clearReadCaches(db);
      userChanged(null);
    }
  });
  const jobs = await startJobQueue({ url: opts.dbUrl, logger, pollSeconds: opts.jobPollSeconds });
  const deps: Deps = {
    db,
    config,
    logger,
    dispatch: DISPATCH_TO_WORKERS,
    actors: new ActorResolver(db, config.starterCredits, config.teamStarterCredits),
    storage,
    baseUrl,
    jobs,
    provider,
    events,
    throttle: new Throttle(db),
    stripe: createStripeClient(config),
  };

  const routes: Route[] = [];
  if (storage.kind === 'local') {
    routes.push({
      prefix: '/files/',
      name: 'files',
      handle: createLocalFilesHandler(storage, {
        signingSecret: config.secret,
        acceptsWrite: (key) => acceptsUploadWrite({ db }, key),
      }),
      // Uploads are bounded by their signed size, checked as the bytes arrive.
      maxBodyBytes: null,
    });
  }
  if (provider.name === 'fal') {
    const verifier = createFalWebhookVerifier({
      jwksUrl: config.env.FAL_JWKS_URL,
      apiRoot: config.env.FAL_API_ROOT,
      logger,
    });
    routes.push({
      prefix: '/webhooks/fal',
      name: 'fal_webhook',
      handle: createFalWebhookRoute({
        db,
        jobs,
        verifier,
        logger,
        finalize: async (generationId, known) => {
          await finalizeGeneration(deps, generationId, known);
          deps.dispatch.ended?.(generationId);
        },
      }),
    });
  }
  if (!deps.stripe) {
    logger.warn('billing is not configured: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to sell credits');
  } else if (!config.stripe?.webhookSecret) {
    logger.warn(
      'STRIPE_WEBHOOK_SECRET is not set: /webhooks/stripe refuses events, so paid credits never arrive',
    );
  }
  routes.push({
    prefix: '/webhooks/stripe',
    name: 'stripe_webhook',
    handle: createStripeWebhookRoute({
      db,
      stripe: deps.stripe,
      webhookSecret: config.stripe?.webhookSecret,
      logger,
    }),
  });
  routes.push(
    ...createWebAppRoutes({
      dir: opts.webAppDir,
      logger,
      openGraph: (pathname) => openGraphFor(deps, pathname),
    }),
  );
  // The worker first, so that work accepted by the very first request is submitted from here.
  const worker = opts.worker
    ? await startWorker(
        { ...deps, pollSeconds: opts.jobPollSeconds ?? config.worker.statusPollSeconds },
        opts.worker === true
          ? {
              sweepEverySeconds: config.worker.sweepEverySeconds,
              stalledAfterSeconds: config.worker.stalledAfterSeconds,
              webhookGraceSeconds: config.worker.webhookGraceSeconds,
            }
          : opts.worker,
      )
    : null;
  if (worker) deps.dispatch = worker;
  const metrics = createMetrics();
  registerDatabaseMetrics(metrics, { resubmits: () => countResubmits(db) });
  serve(createRequestHandler({ deps, metrics, routes }));

  return {
    deps,
    url,
    worker,
    mount: (route) => routes.push(route),
    stop: async () => {
      await closeGracefully(server);
      await worker?.stop();
      await jobs.stop();
      await events.close();
      deps.actors.close();
      if (storage.kind === 's3') storage.destroy();
    },
  };
}
