import { mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createWebLogin } from '../../core/src/domain/auth/auth.service';
import type { TestCore } from './core';
import type { TestDatabase } from './db';

/** Where every browser test saves its screenshots (a CI artifact, git-ignored). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../artifacts/screenshots');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  /** A fresh browser profile (no cookies) on a new page, at core's address. */
  page(opts?: { width?: number; height?: number }): Promise<Page>;
  /** Signs in through the staff sign-in page as a new admin or moderator; resolves on the dashboard. */
  signInAsStaff(page: Page, role: 'admin' | 'moderator'): Promise<{ userId: string; username: string }>;
}

/** Real headless Chromium (Debian's package) for one test file; each `page()` is its own profile. */
export function useBrowser(core: TestCore, t: TestDatabase): TestBrowser {
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];
  let counter = 0;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterEach(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    contexts = [];
    const errors = pageErrors;
    pageErrors = [];
    // An uncaught exception in the app is a failure even when the page still looked right.
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async page(opts = {}) {
      const context = await browser!.newContext({
        baseURL: core.app.url,
        viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
        reducedMotion: 'reduce',
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      return page;
    },
    async signInAsStaff(page, role) {
      const username = `${role}-${++counter}@example.test`;
      const password = 'correct horse battery staple';
      const user = await createWebLogin(t.db, { username, password, role });
      await page.goto('/admin/login');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Staff' }).waitFor();
      return { userId: user.id, username };
    },
  };
}

/** Saves a full-page PNG under artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page as it is and fails on any serious or critical violation, naming them. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility violations on ${page.url()}`).toEqual([]);
}

/** Presses Tab until the element with this accessible name has focus; fails when it is not reachable. */
export async function tabTo(page: Page, name: RegExp | string, maxPresses = 60): Promise<void> {
  const matches = (label: string) => (typeof name === 'string' ? label === name : name.test(label));
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const labelled = el.getAttribute('aria-label');
      if (labelled) return labelled;
      if (
        el instanceof HTMLInputElement ||
        el instanceof HTMLSelectElement ||
        el instanceof HTMLTextAreaElement
      ) {
        return el.labels?.[0]?.textContent?.trim() ?? '';
      }
      return el.textContent?.trim() ?? '';
    });
    if (matches(label)) return;
  }
  throw new Error(`could not reach "${String(name)}" with the Tab key`);
}
