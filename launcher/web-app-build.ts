import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const WEB_ADMIN = path.resolve(import.meta.dirname, '../web-admin');
/** What the build reads: a change to any of these makes web-admin/dist stale. */
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', 'public'];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** True when web-admin/dist is missing or older than any of its sources. */
export function webAppIsStale(dir = WEB_ADMIN): boolean {
  const built = path.join(dir, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(dir, source)) > builtAt);
}

/**
 * Builds the web app with Vite when its build is missing or stale, so `npm start` on a fresh clone
 * (or after a pull) serves the current app without a separate step; a fresh build is a no-op.
 * Resolves with whether it built.
 */
export async function ensureWebAppBuilt(log: (message: string) => void, dir = WEB_ADMIN): Promise<boolean> {
  if (!webAppIsStale(dir)) return false;
  const vite = path.resolve(dir, '../node_modules/vite/bin/vite.js');
  if (!existsSync(vite)) {
    throw new Error('web-admin/dist is missing or stale and Vite is not installed: run `npm install` first');
  }
  log('building the web app (web-admin/dist is missing or older than its sources)...');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`web app build failed (vite exited with ${code})`)),
    );
  });
  log(`web app built in ${Date.now() - started} ms`);
  return true;
}
