import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { waitUntil } from '../../test/support/wait';
import { type ConsoleChat, startConsoleChat } from './console.adapter';

// No FAL_KEY: the offline demo provider answers, as for someone trying Atelier with nothing configured.
const t = useTestDatabase();
const core = useTestCore(t, {}, { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 });

const lines: string[] = [];
const downloads = mkdtempSync(path.join(tmpdir(), 'atelier-chat-'));
let chat: ConsoleChat;

beforeAll(async () => {
  const serviceToken = await createServiceToken(t.db, { name: 'console-test', platform: 'console' });
  chat = startConsoleChat({
    coreUrl: core.app.url,
    serviceToken,
    userName: 'ada',
    downloadDir: downloads,
    print: (line) => lines.push(line),
    progressEditIntervalMs: 100,
  });
});
afterAll(async () => {
  await chat?.close();
});

/** Types a line and returns what was printed from then on once `until` holds. */
async function type(line: string, until: (printed: string) => boolean = () => true): Promise<string> {
  const from = lines.length;
  await chat.input(line);
  return waitUntil(
    () => {
      const printed = lines.slice(from).join('\n');
      return until(printed) ? printed : null;
    },
    { timeoutMs: 20_000, label: `output of ${line}` },
  );
}

describe('a console session on the demo provider', () => {
  it('help, models, a generation saved as a PNG file, credits, history and a link code', async () => {
    const help = await type('/help');
    expect(help).toContain('/generate <prompt>');
    expect(help).toContain('--size <size>');

    const models = await type('/models image');
    expect(models).toMatch(/FLUX\.1 \[schnell\] \(flux\): 1 credit per image/);
    expect(models).toMatch(/\[1\] /);

    const generated = await type('/gen a lighthouse at dusk', (out) => /image: \S+\.png/.test(out));
    expect(generated).toContain('Generating with FLUX.1 [schnell] for 1 credit…');
    const file = /image: (\S+\.png)/.exec(generated)![1]!;
    expect(existsSync(file)).toBe(true);
    expect(file.startsWith(downloads)).toBe(true);
    expect(
      readFileSync(file)
        .subarray(0, 8)
        .equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    ).toBe(true);
    expect(generated).toMatch(/\[1\] Reroll {2}\[2\] Publish {2}\[3\] Favorite model/);
    await waitUntil(() => lines.some((l) => l === 'Done: FLUX.1 [schnell], 1 credit.'));

    const credits = await type('/credits');
    expect(credits).toMatch(/Your balance: 49 credits\./);

    const history = await type('/history');
    const shortId = path.basename(path.dirname(file)).slice(0, 8);
    expect(history).toContain(`${shortId} ✓ image · FLUX.1 [schnell] “a lighthouse at dusk”`);

    const shown = await type(`/show ${shortId}`, (out) => out.includes('image:'));
    expect(shown).toContain('“a lighthouse at dusk”');

    const published = await type('2', (out) => out.includes('gallery'));
    expect(published).toMatch(/Published .*: it is in the public gallery now\./);
    expect(published).toMatch(/\[2\] Unpublish/);

    const link = await type('/link');
    expect(link).toMatch(/Your link code: [A-Za-z0-9]{8}/);
    const unknown = await type('/frobnicate');
    expect(unknown).toMatch(/I don't know \/frobnicate/);
  });
});
