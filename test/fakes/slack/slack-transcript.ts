import { buttonsOf } from './slack-blocks';
import type { TranscriptEntry } from './slack-model';
import type { SlackWorld } from './slack-world';

/**
 * A channel as its members see it, one line per message, for assertions that read like a chat:
 * `@alice: <@U1> gen a fox`, `bot: Done [Reroll | Upscale] {fox.png}`, `bot (only @alice): Not enough credits`.
 * Updated messages show their latest version and how many times they changed.
 */
export function transcriptLines(
  world: SlackWorld,
  channel: string,
  opts: { thread?: string } = {},
): string[] {
  return world
    .transcript(channel)
    .filter((m) => opts.thread === undefined || m.threadTs === opts.thread || m.ts === opts.thread)
    .map((m) => line(world, m));
}

function line(world: SlackWorld, m: TranscriptEntry): string {
  const bot = world.installationOf(world.channel(m.channel).teamId);
  const who = bot && m.author === bot.botUserId ? 'bot' : `@${world.members.get(m.author)?.name ?? m.author}`;
  const only = m.visibleTo ? ` (only @${world.members.get(m.visibleTo)?.name ?? m.visibleTo})` : '';
  const edited = m.history.length ? ` (edited ${m.history.length}x)` : '';
  const buttons = buttonsOf(m.blocks).map((b) => b.text);
  const files = m.files.map((f) => f.name);
  return [
    `${who}${only}${edited}: ${m.text}`,
    buttons.length ? ` [${buttons.join(' | ')}]` : '',
    files.length ? ` {${files.join(', ')}}` : '',
  ].join('');
}
