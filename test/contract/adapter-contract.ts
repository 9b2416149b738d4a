/**
 * The adapter contract: the same scenarios, as a user would see them, against every chat adapter
 * through its fake platform (real core, real Postgres, the fal fake). An adapter joins by providing a
 * small `ContractDriver`; see bots/telegram/telegram.contract.test.ts and
 * bots/console/console.contract.test.ts.
 *
 *   adapterContract({ name: 'discord', fal, db: t, driver: () => discordDriver });
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PlatformTraits } from '../../bots/kit/platform-traits';
import { type FalFake, imageOutput } from '../fakes/fal/fal-fake';
import type { TestDatabase } from '../support/db';
import { pngBytes } from '../support/generations';
import { waitUntil } from '../support/wait';

/** Where a person talks to the bot: a shared space (group, server channel) or their direct chat. */
export type Place = 'shared' | 'direct';

/** A message the bot posted, as one person sees it. */
export interface ContractMessage {
  id: string;
  /** What it shows now (the caption, for media). */
  text: string;
  /** Every text it showed, first to now (edits). */
  texts: string[];
  /** Labels of every action it carried at any time (a Cancel that went away when the job ended). */
  labelsSeen: string[];
  /** Its buttons and select options, flattened. */
  actions: { label: string; action: string }[];
  /** Rows of actions as sent (a select counts as one row), and the longest row. */
  actionRows: number;
  longestRow: number;
  /** Attached files (photos, documents...). */
  media: number;
}

export interface ContractPerson {
  /** Their id on the platform (what core's identities record). */
  readonly platformUserId: string;
  /** Sends a command (`/gen a fox`) in `where`. */
  send(where: Place, text: string): Promise<void>;
  /** The bot's messages in `where` that this person can see (ephemeral ones only for their addressee). */
  messages(where: Place): ContractMessage[];
  /** Presses the action on a message; resolves with the notice shown to the presser (toast, alert), if any. */
  press(where: Place, on: ContractMessage, action: string): Promise<string | undefined>;
}

export interface ContractDriver {
  readonly platform: 'telegram' | 'console' | 'discord' | 'slack';
  readonly traits: PlatformTraits;
  /** The console has no shared space: its scenarios run in the direct chat. */
  readonly hasSharedSpace: boolean;
  /** Starts the bot (again, after `stop`: a restart). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A person on the platform; the same name gives the same person. */
  person(name: string): ContractPerson;
}

export interface ContractEnv {
  db: TestDatabase;
  fal: FalFake;
  driver(): ContractDriver;
}

const SCHNELL = 'fal-ai/flux-1/schnell';
const RED = pngBytes(7, 4, 3);

async function generationsOf(env: ContractEnv, platform: ContractDriver['platform'], userId: string) {
  return env.db.db
    .selectFrom('generations')
    .innerJoin('identities', 'identities.user_id', 'generations.user_id')
    .select(['generations.id', 'generations.status'])
    .where('identities.platform', '=', platform)
    .where('identities.platform_user_id', '=', userId)
    .orderBy('generations.created_at')
    .execute();
}

const find = (person: ContractPerson, where: Place, match: (m: ContractMessage) => boolean) =>
  waitUntil(() => person.messages(where).find(match), { timeoutMs: 20_000, label: 'a message' });

const actionOf = (m: ContractMessage, prefix: string) => m.actions.find((a) => a.action.startsWith(prefix));

export function adapterContract(env: ContractEnv): void {
  describe(`adapter contract`, () => {
    const place = (): Place => (env.driver().hasSharedSpace ? 'shared' : 'direct');
    afterEach(() => env.driver().stop());

    it('generate: a progress message with Cancel, then the result with its actions', async () => {
      const driver = env.driver();
      env.fal.setBehavior(SCHNELL, {
        queuePolls: 2,
        progressPolls: 1,
        output: imageOutput(RED, { width: 4, height: 3 }),
        webhook: false,
      });
      await driver.start();
      const ann = driver.person('Ann');
      await ann.send(place(), '/gen a red fox');
      const result = await find(ann, place(), (m) => m.media > 0);
      expect(result.text).toContain('“a red fox”');
      expect(result.actions.map((a) => a.label)).toEqual(
        expect.arrayContaining(['Reroll', 'Publish', 'Delete']),
      );
      const progress = await find(ann, place(), (m) => m.texts[0]?.startsWith('Generating with') ?? false);
      expect(progress.texts[0]).toBe('Generating with FLUX.1 [schnell] for 1 credit…');
      await waitUntil(() =>
        ann
          .messages(place())
          .find((m) => m.id === progress.id)
          ?.text.startsWith('Done'),
      );
      const [generation] = await generationsOf(env, driver.platform, ann.platformUserId);
      expect(generation?.status).toBe('succeeded');
    });

    it('a usage error is answered at once and nothing is created', async () => {
      const driver = env.driver();
      await driver.start();
      const uma = driver.person('Uma');
      await uma.send(place(), '/gen a fox --count many');
      const answer = await find(uma, place(), (m) => m.text.includes('--count needs a whole number'));
      expect(answer.text).toMatch(/Usage: \/generate/);
      expect(await generationsOf(env, driver.platform, uma.platformUserId)).toHaveLength(0);
    });

    it("another person's button is refused and changes nothing", async () => {
      const driver = env.driver();
      env.fal.setBehavior(SCHNELL, { immediate: true, output: imageOutput(RED), webhook: false });
      await driver.start();
      const ann = driver.person('Ada');
      const bob = driver.person('Bob');
      await ann.send(place(), '/gen a lighthouse');
      const result = await find(ann, place(), (m) => m.media > 0 && m.text.includes('a lighthouse'));
      const reroll = actionOf(result, 'r:')!;
      const notice = await bob.press(place(), result, reroll.action);
      expect(notice).toMatch(/only the person who made this/i);
      expect(await generationsOf(env, driver.platform, ann.platformUserId)).toHaveLength(1);
      expect(await generationsOf(env, driver.platform, bob.platformUserId)).toHaveLength(0);
    });

    it('a secret (a link code) reaches only its owner', async () => {
      const driver = env.driver();
      await driver.start();
      const lin = driver.person('Lin');
      const other = driver.person('Other');
      await lin.send(place(), '/link');
      // Ephemeral where the platform has it (in place, seen by Lin alone), else a direct message.
      const where: Place = driver.hasSharedSpace && driver.traits.ephemeral ? 'shared' : 'direct';
      const codeMessage = await find(lin, where, (m) => /Your link code: [A-Za-z0-9]{8}/.test(m.text));
      const code = /Your link code: ([A-Za-z0-9]{8})/.exec(codeMessage.text)![1]!;
      if (driver.hasSharedSpace && !driver.traits.ephemeral) {
        // The shared space is told where it went, and never sees the code.
        await find(lin, 'shared', (m) => /direct message/i.test(m.text));
      }
      if (driver.hasSharedSpace)
        expect(other.messages('shared').some((m) => m.text.includes(code))).toBe(false);
      expect(other.messages('direct').some((m) => m.text.includes(code))).toBe(false);
    });

    it('the model picker stays within the platform’s limits and sets the default model', async () => {
      const driver = env.driver();
      await driver.start();
      const mo = driver.person('Mo');
      await mo.send(place(), '/models');
      const picker = await find(mo, place(), (m) => m.text.includes('Stable Diffusion XL'));
      expect(picker.actionRows).toBeLessThanOrEqual(driver.traits.maxActionRows);
      expect(picker.longestRow).toBeLessThanOrEqual(Math.max(1, driver.traits.maxActionsPerRow));
      const model = actionOf(picker, 'm:')!;
      const notice = await mo.press(place(), picker, model.action);
      expect(notice).toMatch(/is now your default model\.$/);
      const next = actionOf(picker, 'mp:');
      if (next) {
        await mo.press(place(), picker, next.action);
        await waitUntil(() => {
          const now = mo.messages(place()).find((m) => m.id === picker.id);
          return now?.actions.some(
            (a) => a.action.startsWith('m:') && !picker.actions.some((b) => b.action === a.action),
          );
        });
      }
    });

    it('a result finished while the bot was down is delivered exactly once after it restarts', async () => {
      const driver = env.driver();
      env.fal.setBehavior('fal-ai/fast-sdxl', { manual: true, output: imageOutput(RED), webhook: false });
      await driver.start();
      const rex = driver.person('Rex');
      await rex.send(place(), '/gen a patient robot --model sdxl');
      const request = await waitUntil(() =>
        env.fal.requests.find((r) => (r.input as { prompt?: string }).prompt === 'a patient robot'),
      );
      await driver.stop();
      await env.fal.complete(request.id);
      await waitUntil(
        async () =>
          (await generationsOf(env, driver.platform, rex.platformUserId))[0]?.status === 'succeeded',
        { timeoutMs: 20_000 },
      );
      await driver.start();
      const robot = (m: ContractMessage) => m.media > 0 && m.text.includes('a patient robot');
      await find(rex, place(), robot);
      const [generation] = await generationsOf(env, driver.platform, rex.platformUserId);
      await waitUntil(async () => {
        const rows = await env.db.db
          .selectFrom('deliveries')
          .select('acked_at')
          .where('generation_id', '=', generation!.id)
          .execute();
        return rows.length === 1 && rows[0]!.acked_at !== null;
      });
      expect(rex.messages(place()).filter(robot)).toHaveLength(1);
    });
  });
}
