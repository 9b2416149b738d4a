import { commandHandler, textValue } from './command-handler';
import type { CoreClient } from './core-client';
import type { CommandContext } from './kit.types';
import { resolveGenerationId } from './library.commands';
import { link, say } from './reply';
import { replySecret } from './secret-reply';

const minutesUntil = (date: Date) => Math.max(1, Math.round((date.getTime() - Date.now()) / 60_000));

/**
 * /web [id]: a private, one-time sign-in link to the web studio with this account (its credits,
 * favorites, LoRAs and history); with an id, the studio opens on that generation ("Continue on web").
 */
export const webCommand = commandHandler({
  parse: (parsed) => ({ id: textValue(parsed, 'id') }),
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    const generationId = args.id ? await resolveGenerationId(client, args.id) : undefined;
    await sendStudioLink(client, ctx, generationId);
  },
});

/**
 * Sends the presser a fresh sign-in link to the studio, privately (a result's "Continue on web"
 * button and /web): made at the moment it is asked for, since a link lives 15 minutes and a result
 * stays in the chat for good.
 */
export async function sendStudioLink(
  client: CoreClient,
  ctx: CommandContext,
  generationId: string | undefined,
): Promise<void> {
  const { url, expiresAt } = await client.auth.createSignInLink.mutate({
    purpose: 'web',
    ...(generationId ? { generationId } : {}),
  });
  await replySecret(
    ctx,
    say(
      generationId ? 'Continue on the web: ' : 'Open the studio: ',
      link(url),
      `\nThe link signs you in; it is yours alone and works once, for ${minutesUntil(expiresAt)} minutes.`,
    ),
    'a sign-in link for the web studio',
  );
}
