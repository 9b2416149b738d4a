import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from '../logger';
import { type OpenGraph, withOpenGraph } from './open-graph';
import type { Route } from './server';

/** The built web app (Vite's output), next to core in the repository. */
export const DEFAULT_WEB_APP_DIR = path.resolve(import.meta.dirname, '../../../web-admin/dist');

/** Client-side areas of the single-page app: every path under them answers with index.html. */
export const WEB_APP_AREAS = ['/admin', '/billing', '/studio', '/gallery', '/signin', '/auth/link'] as const;

export interface WebAppOptions {
  dir?: string;
  logger: Logger;
  /** The Open Graph tags of a path, or null for none (e.g. /gallery/<id> -> the item's). */
  openGraph?: (pathname: string) => Promise<OpenGraph | null>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built web app: hashed files under /assets (cached for a year, immutable), and index.html
 * (never cached, with the page's Open Graph tags) for every path of the app's areas, so client-side
 * routes survive a reload. Paths are resolved inside the build folder only.
 */
export function createWebAppRoutes(opts: WebAppOptions): Route[] {
  const dir = path.resolve(opts.dir ?? DEFAULT_WEB_APP_DIR);
  const assetsDir = path.join(dir, 'assets');
  let cached: { mtimeMs: number; html: string } | null = null;

  async function indexTemplate(): Promise<string | null> {
    const file = path.join(dir, 'index.html');
    const info = await stat(file).catch(() => null);
    if (!info) return null;
    if (cached?.mtimeMs !== info.mtimeMs)
      cached = { mtimeMs: info.mtimeMs, html: await readFile(file, 'utf8') };
    return cached.html;
  }

  const page = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (!allowMethod(req, res)) return true;
    const template = await indexTemplate();
    if (!template) {
      sendText(
        res,
        503,
        'The web app is not built yet: run `npm run build -w web-admin` (npm start does it).',
      );
      return true;
    }
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    let og: OpenGraph | null = null;
    try {
      og = (await opts.openGraph?.(pathname)) ?? null;
    } catch (error) {
      // A link preview is decoration: the page itself must still load.
      opts.logger.warn('open graph tags failed', { path: pathname, error });
    }
    const html = og ? withOpenGraph(template, og) : template;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES['.html']!,
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
    return true;
  };

  const asset = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (!allowMethod(req, res)) return true;
    const file = resolveInside(assetsDir, (req.url ?? '/').split('?')[0]!.slice('/assets/'.length));
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) {
      sendText(res, 404, 'Not found');
      return true;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      // Vite puts a content hash in every file name under assets/: a changed file is a new URL.
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };

  return [
    { prefix: '/assets/', name: 'web_assets', handle: asset },
    ...WEB_APP_AREAS.map((prefix) => ({ prefix, name: 'web_app', handle: page })),
  ];
}

/** The file for a URL path inside `root`, or null for anything that would leave it. */
function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const file = path.resolve(root, `.${path.posix.sep}${decoded}`);
  return file.startsWith(`${root}${path.sep}`) ? file : null;
}

function allowMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
  res.end('Method not allowed');
  return false;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
