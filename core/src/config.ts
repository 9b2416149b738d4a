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

/** A credit pack sold through Stripe Checkout; `price` is in the currency's smallest unit (cents). */
export interface CreditPack {
  id: string;
  name: string;
  credits: number;
  price: number;
  currency: string;
}

const creditPackSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes'),
  name: z.string().trim().min(1).max(80),
  credits: z.number().int().min(1).max(100_000_000),
  price: z.number().int().min(50).max(100_000_000),
  currency: z.string().regex(/^[a-z]{3}$/, 'a lowercase ISO currency code such as usd'),
});

/** The packs on sale unless CREDIT_PACKS says otherwise. */
export const DEFAULT_CREDIT_PACKS: readonly CreditPack[] = [
  { id: 'starter', name: 'Starter', credits: 500, price: 500, currency: 'usd' },
  { id: 'creator', name: 'Creator', credits: 1200, price: 1000, currency: 'usd' },
  { id: 'studio', name: 'Studio', credits: 3000, price: 2000, currency: 'usd' },
];

const creditPacks = optional
  .transform((v, ctx): unknown => {
    if (v === undefined) return DEFAULT_CREDIT_PACKS;
    try {
      return JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of packs' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(creditPackSchema)
      .min(1)
      .max(20)
      .refine((packs) => new Set(packs.map((p) => p.id)).size === packs.length, 'pack ids must be unique'),
  );

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
  UPLOAD_QUOTA_MB: int(1024, 1, 10_000_000),
  TEAM_STARTER_CREDITS: int(200, 0, 1_000_000),
  GALLERY_AUTO_APPROVE: bool(true),
  PROMPT_BLOCKLIST: optional,
  WORKER_SWEEP_SECONDS: int(5, 1, 3600),
  WORKER_STALLED_SECONDS: int(120, 1, 86_400),
  WORKER_WEBHOOK_GRACE_SECONDS: int(600, 1, 86_400),
  WORKER_STATUS_POLL_SECONDS: optional
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .pipe(z.number().min(0.1).max(600).optional()),
  FAL_KEY: optional,
  FAL_API_ROOT: url,
  FAL_JWKS_URL: url,
  FAL_OUTPUT_HOSTS: optional,
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_API_URL: url,
  CREDIT_PACKS: creditPacks,
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
  DISCORD_GUILD_ID: optional,
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
  /** Stripe, when STRIPE_SECRET_KEY is set; null means billing is not configured. */
  stripe: { secretKey: string; webhookSecret: string | undefined; apiUrl: string | undefined } | null;
  creditPacks: readonly CreditPack[];
  logLevel: Env['LOG_LEVEL'];
  worker: {
    sweepEverySeconds: number;
    stalledAfterSeconds: number;
    statusPollSeconds: number | undefined;
    webhookGraceSeconds: number;
  };
  /** Hosts besides fal's CDN that model outputs may be downloaded from (exact or `*.suffix`). */
  falOutputHosts: string[];
  /** Bytes of uploads (pending and ready) one user may keep at a time. */
  uploadQuotaBytes: number;
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
    stripe: env.STRIPE_SECRET_KEY
      ? {
          secretKey: env.STRIPE_SECRET_KEY,
          webhookSecret: env.STRIPE_WEBHOOK_SECRET,
          apiUrl: env.STRIPE_API_URL,
        }
      : null,
    creditPacks: env.CREDIT_PACKS,
    logLevel: env.LOG_LEVEL,
    uploadQuotaBytes: env.UPLOAD_QUOTA_MB * 1024 * 1024,
    falOutputHosts: (env.FAL_OUTPUT_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    worker: {
      sweepEverySeconds: env.WORKER_SWEEP_SECONDS,
      stalledAfterSeconds: env.WORKER_STALLED_SECONDS,
      statusPollSeconds: env.WORKER_STATUS_POLL_SECONDS,
      webhookGraceSeconds: env.WORKER_WEBHOOK_GRACE_SECONDS,
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
