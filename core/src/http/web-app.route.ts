import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from '../logger';
import type { Route } from './server';

/** The built web app (Vite's output), next to core in the repository. */
export const DEFAULT_WEB_APP_DIR = path.resolve(import.meta.dirname, '../../../web-admin/dist');

/** Client-side areas of the single-page app: every path under them answers with index.html. */
export const WEB_APP_AREAS = ['/admin', '/billing', '/studio', '/gallery', '/signin', '/auth/link'] as const;

/** What a shared link previews as in chat apps (Open Graph). */
export interface PagePreview {
  title: string;
  description: string;
  /** Absolute URL of an image, or null. */
  imageUrl: string | null;
  type?: 'website' | 'article';
}

export interface WebAppOptions {
  dir?: string;
  /** PUBLIC_URL or the listening address: og:url is absolute. */
  baseUrl: string;
  logger: Logger;
  /** The preview of a path, or null for the default one (e.g. /gallery/<id> -> the item). */
  preview?: (pathname: string) => Promise<PagePreview | null>;
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

const DEFAULT_PREVIEW: PagePreview = {
  title: 'Atelier',
  description: 'Images, video, music, 3D and voice made with AI models from Discord, Telegram and Slack.',
  imageUrl: null,
};

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\s+/g, ' ');

function headTags(preview: PagePreview, url: string): string {
  const tags: [string, string][] = [
    ['og:type', preview.type ?? 'website'],
    ['og:site_name', 'Atelier'],
    ['og:title', preview.title],
    ['og:description', preview.description],
    ['og:url', url],
  ];
  if (preview.imageUrl) tags.push(['og:image', preview.imageUrl]);
  const meta = tags.map(([p, c]) => `<meta property="${p}" content="${escapeHtml(c)}">`);
  meta.push(
    `<meta name="twitter:card" content="${preview.imageUrl ? 'summary_large_image' : 'summary'}">`,
    `<meta name="description" content="${escapeHtml(preview.description)}">`,
  );
  return meta.join('\n    ');
}

/** index.html with the page's title and Open Graph tags in its head. */
export function renderIndex(template: string, preview: PagePreview, url: string): string {
  return template
    .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(preview.title)}</title>`)
    .replace('</head>', `  ${headTags(preview, url)}\n  </head>`);
}

/**
 * Serves the built web app: hashed files under /assets (cached for a year, immutable), and index.html
 * (never cached, with per-page Open Graph tags) for every path of the app's areas, so client-side
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
    let preview: PagePreview | null = null;
    try {
      preview = (await opts.preview?.(pathname)) ?? null;
    } catch (error) {
      // A preview is decoration: the page itself must still load.
      opts.logger.warn('page preview failed', { path: pathname, error });
    }
    const html = renderIndex(template, preview ?? DEFAULT_PREVIEW, `${opts.baseUrl}${pathname}`);
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
