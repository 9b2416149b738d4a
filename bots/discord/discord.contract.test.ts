// The adapter contract on Discord: real discord.js against the fake Discord, real core, the fal fake.
import { afterAll, beforeAll } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import {
  adapterContract,
  type ContractDriver,
  type ContractMessage,
  type ContractPerson,
  type Place,
} from '../../test/contract/adapter-contract';
import { FakeDiscord, type FakeUser, type StoredMessage } from '../../test/fakes/discord/discord-fake';
import { DEFAULT_FAL_KEY, FalFake } from '../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { freePort } from '../../test/support/ports';
import { optionsOf } from '../kit/command-spec';
import { findCommand } from '../kit/commands';
import { DISCORD_TRAITS } from '../kit/platform-traits';
import { type DiscordBot, startDiscordBot } from './discord.adapter';

const fal = new FalFake();
const discord = new FakeDiscord();
let port = 0;
beforeAll(async () => {
  await fal.start();
  await discord.start();
  port = await freePort();
});
afterAll(async () => {
  await discord.close();
  await fal.close();
});
const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    DISCORD_CDN_URL: discord.cdnUrl,
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

type Json = Record<string, unknown>;

/**
 * What a person fills into Discord's slash-command form for a text command: the command (aliases are
 * text-only, so `/gen` is `/generate`), its subcommand, positional words into the first positional
 * option, `--name value` into that option when Discord's option type takes the value; anything else
 * goes into the free-form `options` field, as a Discord user would type it there.
 */
function slashForm(text: string): { command: string; options: Record<string, string | number | boolean> } {
  const tokens = [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const spec = findCommand(tokens.shift()!.replace(/^\//, ''));
  if (!spec) throw new Error(`no command in "${text}"`);
  let path = spec.name as string;
  let sub: string | undefined;
  if (spec.subcommands?.some((s) => s.name === tokens[0])) {
    sub = tokens.shift()!;
    path += ` ${sub}`;
  }
  const specs = optionsOf(spec, sub ?? spec.defaultSubcommand);
  const options: Record<string, string | number | boolean> = {};
  const words: string[] = [];
  const free: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.startsWith('--')) {
      words.push(token);
      continue;
    }
    const name = token.slice(2);
    const value = tokens[i + 1] !== undefined && !tokens[i + 1]!.startsWith('--') ? tokens[++i]! : '';
    const opt = specs.find((o) => o.name === name || o.aliases?.includes(name));
    if (opt?.kind === 'int' && /^\d+$/.test(value)) options[opt.name] = Number(value);
    else if (opt?.kind === 'switch') options[opt.name] = value !== 'off';
    else if (opt && opt.kind !== 'int' && opt.kind !== 'files') options[opt.name] = value;
    else free.push(`--${name}${value ? ` ${value}` : ''}`);
  }
  const positional = specs.find((o) => o.positional && o.kind !== 'files');
  if (words.length && positional)
    options[positional.name] = positional.kind === 'int' ? Number(words[0]) : words.join(' ');
  if (free.length) options.options = free.join(' ');
  return { command: path, options };
}

/** What a message shows: markdown rendered to plain text, embed title and fields below it. */
function shown(content: string, embeds: Json[]): string {
  const plain = content
    .replace(/\[([^\]]+)\]\((\S+)\)/g, '$1 ($2)')
    .replace(/\*\*|`/g, '')
    .replace(/\\(.)/g, '$1');
  const embedText = embeds.flatMap((e) => [
    ...(e.title ? [String(e.title)] : []),
    ...((e.fields as { name: string; value: string }[] | undefined) ?? []).map(
      (f) => `${f.name}: ${f.value}`,
    ),
  ]);
  return [plain, ...embedText].filter(Boolean).join('\n');
}

function actionsOf(components: Json[]): { label: string; action: string }[] {
  return components.flatMap((row) =>
    ((row.components as Json[] | undefined) ?? []).flatMap((c) => {
      if (c.type === 3)
        return ((c.options as Json[]) ?? []).map((o) => ({
          label: String(o.label),
          action: String(o.value),
        }));
      return c.custom_id ? [{ label: String(c.label), action: String(c.custom_id) }] : [];
    }),
  );
}

function contractMessage(m: StoredMessage): ContractMessage {
  return {
    id: m.id,
    text: shown(m.content, m.embeds),
    texts: m.versions.map((v) => shown(v.content, v.embeds)).filter((text, i) => i > 0 || text !== ''),
    labelsSeen: m.versions.flatMap((v) => actionsOf(v.components).map((a) => a.label)),
    actions: actionsOf(m.components),
    actionRows: m.components.length,
    longestRow: Math.max(
      0,
      ...m.components.map((row) => ((row.components as Json[] | undefined) ?? []).length),
    ),
    media: m.attachments.length,
  };
}

/** Discord through the fake: one server with a #contract channel everybody is in, and each person's DM. */
function discordDriver(): ContractDriver {
  let bot: DiscordBot | null = null;
  let tokens = 0;
  const owner = discord.createUser({ username: 'contract-owner' });
  const guild = discord.createGuild({ name: 'Contract server', owner });
  const shared = discord.createTextChannel(guild, { name: 'contract' });
  const people = new Map<string, ContractPerson>();
  return {
    platform: 'discord',
    traits: DISCORD_TRAITS,
    hasSharedSpace: true,
    async start() {
      const serviceToken = await createServiceToken(t.db, {
        name: `discord-contract-${++tokens}`,
        platform: 'discord',
      });
      bot = await startDiscordBot({
        token: discord.token,
        applicationId: discord.applicationId,
        coreUrl: core.app.url,
        serviceToken,
        apiUrl: discord.apiUrl,
        cdnUrl: discord.cdnUrl,
        progressEditIntervalMs: 50,
      });
    },
    async stop() {
      const running = bot;
      bot = null;
      await running?.stop();
    },
    person(name) {
      const known = people.get(name);
      if (known) return known;
      const user: FakeUser = discord.createUser({ username: name.toLowerCase() });
      discord.addMember(guild, user);
      const channelOf = (where: Place) => (where === 'shared' ? shared : discord.dmChannel(user));
      const person: ContractPerson = {
        platformUserId: user.id,
        async send(where, text) {
          const { command, options } = slashForm(text);
          discord.as(user).slash(channelOf(where), command, options);
        },
        messages: (where) =>
          discord
            .transcript(channelOf(where), user)
            .filter((e) => e.fromBot)
            .map((e) => contractMessage(e.message)),
        async press(where, on, action) {
          const message = discord
            .transcript(channelOf(where), user)
            .find((e) => e.message.id === on.id)?.message;
          if (!message) throw new Error(`message ${on.id} is not in ${where}`);
          const select = message.components
            .flatMap((row) => (row.components as Json[]) ?? [])
            .find((c) => c.type === 3 && ((c.options as Json[]) ?? []).some((o) => o.value === action));
          const before = message.versions.length;
          const handle = select
            ? discord.as(user).choose(message, String(select.custom_id), [action])
            : discord.as(user).press(message, action);
          await handle.acknowledged();
          // Settled when the bot told the presser something, or changed the message pressed.
          await discord.waitFor(() => handle.followUps().length > 0 || message.versions.length > before, {
            timeoutMs: 15_000,
          });
          const notice = handle.followUps()[0];
          return notice ? shown(notice.content, notice.embeds) : undefined;
        },
      };
      people.set(name, person);
      return person;
    },
  };
}

let driver: ContractDriver | undefined;
adapterContract({ db: t, fal, driver: () => (driver ??= discordDriver()) });
