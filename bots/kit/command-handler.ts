import type { ParsedCommand } from './command-spec';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';

/**
 * A command's behaviour: `parse` turns the checked options into its arguments (synchronously, no
 * network: it runs before the adapter acknowledges), `run` does the work and answers through `ctx`.
 */
export interface CommandHandler<A> {
  parse(parsed: ParsedCommand): A;
  run(runtime: KitRuntime, ctx: CommandContext, args: A): Promise<void>;
}

/** Infers the arguments' type from `parse`. */
export const commandHandler = <A>(handler: CommandHandler<A>): CommandHandler<A> => handler;

/** A text option's value, or '' when it was left out. */
export function textValue(parsed: ParsedCommand, name: string): string {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : '';
}
