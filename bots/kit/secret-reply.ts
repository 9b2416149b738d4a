import type { CommandContext, MessageRef } from './kit.types';
import { type Reply, say } from './reply';

/**
 * Sends a secret (a billing link, a link code) where only its owner sees it: the reply itself in a
 * direct chat; an ephemeral reply where the platform has them; otherwise a direct message, with a
 * public note saying where it went. It never goes into a shared channel.
 */
export async function replySecret(
  ctx: CommandContext,
  reply: Reply,
  what: string,
): Promise<MessageRef | null> {
  if (ctx.chat.direct) return ctx.reply(reply);
  if (ctx.traits.ephemeral) return ctx.reply({ ...reply, visibility: 'ephemeral' });
  const sent = await ctx.sendPrivate(reply).catch(() => null);
  await ctx.reply(
    say(sent ? `I sent you ${what} in a direct message.` : `Message me directly for ${what}: it is private.`),
  );
  return sent;
}
