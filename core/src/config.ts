import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every name is documented in `.env.example`;
 * defaults are the embedded single-machine setup (`npm start` with nothing configured).
 */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = optional.refine((v) => v === undefined || URL.canParse(v), 'must be an absolute URL');
const bool = (fallback: boolean) =>
  optional.transform((v) =>
    v === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()),
  );
const int = (fallback: number, min: number, max: number) =>
  optional
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min).max(max));

const envSchema = z.object({
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ATELIER_DATA_DIR: optional,
  ATELIER_SECRET: optional,
  ATELIER_ADMIN_PASSWORD: optional,
  DATABASE_URL: url,
  EMBEDDED_PG_PORT: optional
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .pipe(z.number().int().min(1024).max(65535).optional()),
  PORT: int(8787, 0, 65535),
  PUBLIC_URL: url,
  TRUST_PROXY: bool(false),
  STARTER_CREDITS: int(50, 0, 1_000_000),
  TEAM_STARTER_CREDITS: int(200, 0, 1_000_000),
  GALLERY_AUTO_APPROVE: bool(true),
  PROMPT_BLOCKLIST: optional,
  WORKER_SWEEP_SECONDS: int(30, 1, 3600),
  WORKER_STALLED_SECONDS: int(120, 1, 86_400),
  WORKER_STATUS_POLL_SECONDS: optional
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .pipe(z.number().min(0.1).max(600).optional()),
  FAL_KEY: optional,
  FAL_API_ROOT: url,
  FAL_JWKS_URL: url,
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_API_URL: url,
  S3_ENDPOINT: url,
  S3_BUCKET: optional,
  S3_ACCESS_KEY_ID: optional,
  S3_SECRET_ACCESS_KEY: optional,
  S3_REGION: optional,
  CORE_URL: url,
  CORE_SERVICE_TOKEN: optional,
  DISCORD_TOKEN: optional,
  DISCORD_APPLICATION_ID: optional,
  DISCORD_API_URL: url,
  DISCORD_CDN_URL: url,
  TELEGRAM_BOT_TOKEN: optional,
  TELEGRAM_API_ROOT: url,
  TELEGRAM_WEBHOOK_SECRET: optional,
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_API_URL: url,
  SLACK_APP_TOKEN: optional,
  SLACK_CLIENT_ID: optional,
  SLACK_CLIENT_SECRET: optional,
  SLACK_STATE_SECRET: optional,
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env;
  dataDir: string;
  /** Signs file URLs, billing links and sessions; generated once into the data dir when not configured. */
  secret: string;
  databaseUrl: string | undefined;
  /** EMBEDDED_PG_PORT as configured; unset means 54329, or a free port remembered in the data dir. */
  embeddedPgPort: number | undefined;
  port: number;
  /** PUBLIC_URL as configured; unset means core is only reachable locally (no provider webhooks). */
  publicUrl: string | undefined;
  /** Core runs behind a reverse proxy: the client's address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  s3: { endpoint?: string; bucket?: string; accessKeyId?: string; secretAccessKey?: string; region?: string };
  starterCredits: number;
  /** Credits a new team pool receives once. */
  teamStarterCredits: number;
  galleryAutoApprove: boolean;
  promptBlocklist: string[];
  logLevel: Env['LOG_LEVEL'];
  worker: { sweepEverySeconds: number; stalledAfterSeconds: number; statusPollSeconds: number | undefined };
}

export class ConfigError extends Error {}

/** Parses the environment once; throws ConfigError naming each bad variable (never its value). */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.ATELIER_DATA_DIR ?? '.atelier');
  const port = env.PORT;
  return {
    env,
    dataDir,
    secret: env.ATELIER_SECRET ?? persistentSecret(dataDir),
    databaseUrl: env.DATABASE_URL,
    embeddedPgPort: env.EMBEDDED_PG_PORT,
    port,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: env.TRUST_PROXY,
    s3: {
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      region: env.S3_REGION,
    },
    starterCredits: env.STARTER_CREDITS,
    teamStarterCredits: env.TEAM_STARTER_CREDITS,
    galleryAutoApprove: env.GALLERY_AUTO_APPROVE,
    promptBlocklist: (env.PROMPT_BLOCKLIST ?? '')
      .split(',')
      .map((w) => w.trim().toLowerCase())
      .filter(Boolean),
    logLevel: env.LOG_LEVEL,
    worker: {
      sweepEverySeconds: env.WORKER_SWEEP_SECONDS,
      stalledAfterSeconds: env.WORKER_STALLED_SECONDS,
      statusPollSeconds: env.WORKER_STATUS_POLL_SECONDS,
    },
  };
}

function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
