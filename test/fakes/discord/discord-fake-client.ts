import { Client, type ClientOptions, GatewayIntentBits } from 'discord.js';
import type { FakeDiscord } from './discord-fake';

/**
 * A real discord.js client logged in to the fake (Guilds intent unless told otherwise), resolved once
 * it is ready (READY plus every GUILD_CREATE). The caller destroys it.
 */
export async function connectDiscordJs(
  discord: FakeDiscord,
  options: Partial<ClientOptions> = {},
): Promise<Client<true>> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...options,
    rest: { ...discord.restOptions(), ...options.rest },
  });
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  try {
    await client.login(discord.token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw error;
  }
  return client as Client<true>;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: number | string; status?: number }> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error('expected a rejection, but the promise resolved');
  return outcome.error as Error & { code?: number | string; status?: number };
}
