import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const biome = path.join(root, 'node_modules/.bin/biome');
const written: string[] = [];

/** Lints a source file placed at `relative` (inside the repository, so biome.json's overrides apply). */
async function lint(relative: string, source: string): Promise<{ ok: boolean; output: string }> {
  const file = path.join(root, relative);
  writeFileSync(file, source);
  written.push(file);
  try {
    const { stdout, stderr } = await run(biome, ['lint', '--colors=off', file], { cwd: root });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

afterEach(() => {
  for (const file of written.splice(0)) rmSync(file, { force: true });
});

describe('bots and the web app reach core only through @atelier/core/client', () => {
  const probe = () => `lint-probe-${randomBytes(4).toString('hex')}.ts`;

  it('refuses a deep import of core/src from bots/', async () => {
    const result = await lint(
      `bots/kit/${probe()}`,
      "import { startCore } from '../../core/src/app';\n\nexport const start = startCore;\n",
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noRestrictedImports');
    expect(result.output).toContain('@atelier/core/client');
  });

  it('refuses a deep import of core/src from web-admin/', async () => {
    const result = await lint(
      `web-admin/${probe()}`,
      "import type { AppRouter } from '../core/src/trpc/app.router';\n\nexport type Router = AppRouter;\n",
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noRestrictedImports');
  });

  it('accepts the client entry', async () => {
    const result = await lint(
      `bots/kit/${probe()}`,
      "import type { AppRouter } from '@atelier/core/client';\n\nexport type Router = AppRouter;\n",
    );
    expect(result.output).not.toContain('noRestrictedImports');
    expect(result.ok).toBe(true);
  });
});
