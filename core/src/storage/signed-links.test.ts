import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalStore, type LocalObjectStore } from './local-store';
import { SignedLinks } from './signed-links';

// A page shows a signed link per output; a link handed out again must still live as long as asked.

let rootDir: string;
let store: LocalObjectStore;
beforeAll(async () => {
  rootDir = await mkdtemp(join(tmpdir(), 'atelier-links-'));
  store = createLocalStore({
    rootDir,
    publicUrl: 'http://127.0.0.1:1',
    signingSecret: 'links-secret-0123456789',
  });
});
afterAll(() => rm(rootDir, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
});

const expiry = (url: string) => Number(new URL(url).searchParams.get('exp')) * 1000;
const at = (iso: string) => vi.setSystemTime(new Date(iso));

describe('SignedLinks', () => {
  it('hands the same link out again while it has the asked lifetime left, then signs a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const links = new SignedLinks(store);
    at('2026-12-06T10:00:00Z');
    const first = await links.get('outputs/a/0.png', 3600);
    expect(expiry(first)).toBe(Date.parse('2026-12-06T11:30:00Z'));

    at('2026-12-06T10:29:59Z');
    expect(await links.get('outputs/a/0.png', 3600)).toBe(first);

    // Less than an hour left on the kept one: a new link, again valid for at least an hour.
    at('2026-12-06T10:30:01Z');
    const second = await links.get('outputs/a/0.png', 3600);
    expect(second).not.toBe(first);
    expect(expiry(second) - Date.now()).toBeGreaterThanOrEqual(3600 * 1000);
  });

  it('keeps links apart by key and by lifetime', async () => {
    const links = new SignedLinks(store);
    const a = await links.get('outputs/a/0.png', 3600);
    const b = await links.get('outputs/b/0.png', 3600);
    const short = await links.get('outputs/a/0.png', 60);
    expect(new URL(a).pathname).toBe('/files/outputs/a/0.png');
    expect(new URL(b).pathname).toBe('/files/outputs/b/0.png');
    expect(expiry(short)).toBeLessThan(expiry(a));
  });

  it('keeps at most its limit of links, dropping the oldest', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const links = new SignedLinks(store, 2);
    at('2026-12-06T10:00:00Z');
    const one = await links.get('outputs/1/0.png', 3600);
    const two = await links.get('outputs/2/0.png', 3600);
    await links.get('outputs/3/0.png', 3600);
    at('2026-12-06T10:00:05Z');
    // The first was dropped, so it is signed again (a later expiry); the second is still kept.
    expect(await links.get('outputs/2/0.png', 3600)).toBe(two);
    expect(expiry(await links.get('outputs/1/0.png', 3600))).toBe(expiry(one) + 5000);
  });

  it('is one per store', () => {
    expect(SignedLinks.for(store)).toBe(SignedLinks.for(store));
  });
});
