import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';

// A small build of its own, so the test does not depend on the real web app's file names.
const dist = mkdtempSync(path.join(tmpdir(), 'atelier-dist-'));
mkdirSync(path.join(dist, 'assets'));
writeFileSync(
  path.join(dist, 'index.html'),
  '<!doctype html><html><head><title>Atelier</title></head><body><div id="root"></div></body></html>',
);
writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');
writeFileSync(path.join(dist, 'assets', 'index-abc123.css'), 'body{}');
writeFileSync(path.join(dist, 'secret.txt'), 'outside assets');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const t = useTestDatabase();
const core = useTestCore(t, {}, { webAppDir: dist });
const get = (p: string, init?: RequestInit) => fetch(`${core.app.url}${p}`, init);

describe('core serves the built web app', () => {
  it('answers every client-side route of its areas with index.html, never cached', async () => {
    for (const p of [
      '/admin',
      '/admin/accounts/42',
      '/billing/success?session_id=cs_1',
      '/gallery',
      '/studio',
      '/signin',
      '/auth/link?token=x',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="root"></div>');
    }
    // Outside the app's areas core keeps its JSON 404.
    const other = await get('/nothing-here');
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/json');
  });

  it('serves hashed assets with their content type, cached for a year', async () => {
    const js = await get('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("app")');
    expect((await get('/assets/index-abc123.css')).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const head = await get('/assets/index-abc123.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('18');
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the assets folder, however the path is spelled', async () => {
    for (const p of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%5csecret.txt',
      '/assets/%00',
      '/assets/%E0%A4%A',
      '/assets/',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('outside assets');
    }
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await get('/admin', { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('without a build', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'atelier-nodist-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));
  const bare = useTestCore(t, {}, { webAppDir: empty });
  it('says how to build the app, with a 503', async () => {
    const res = await fetch(`${bare.app.url}/admin`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/npm run build -w web-admin/);
  });
});
