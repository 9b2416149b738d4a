import { commandHandler, textValue } from './command-handler';
import type { ParsedCommand } from './command-spec';
import type { Outputs } from './core-client';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { UsageError } from './parse-args';
import { bold, credits, type Inline, type Reply, type ReplyField } from './reply';

type TeamOverview = Outputs['team']['overview'];

type TeamArgs =
  | { sub: 'show' }
  | { sub: 'cap'; cap: number | null }
  | { sub: 'models'; models: string[] | null }
  | { sub: 'spenders'; spenders: 'everyone' | 'admins' };

const SPENDERS: Record<string, string> = {
  everyone: 'every member',
  admins: 'admins only',
  listed: 'listed members only',
};

function teamArgs(parsed: ParsedCommand): TeamArgs {
  switch (parsed.subcommand) {
    case 'cap': {
      const typed = textValue(parsed, 'credits').toLowerCase();
      if (typed === 'off' || typed === 'none') return { sub: 'cap', cap: null };
      if (!/^\d+$/.test(typed)) throw new UsageError('A cap is a whole number of credits, or off');
      return { sub: 'cap', cap: Number(typed) };
    }
    case 'models': {
      const typed = textValue(parsed, 'models');
      if (typed.toLowerCase() === 'all') return { sub: 'models', models: null };
      const models = typed
        .split(/[,\s]+/)
        .map((m) => m.trim())
        .filter(Boolean);
      if (models.length === 0) throw new UsageError('Name the models, separated by commas, or say all');
      return { sub: 'models', models };
    }
    case 'spenders':
      return { sub: 'spenders', spenders: parsed.values.who === 'admins' ? 'admins' : 'everyone' };
    default:
      return { sub: 'show' };
  }
}

/** The pool, its policy and this month's spend (everyone's for admins, one's own for others). */
export function teamReply(team: TeamOverview, ctx: CommandContext, saved: boolean): Reply {
  const noun = ctx.traits.spaceNoun;
  const text: Inline[] = saved ? ['Saved. '] : [];
  if (!team.pool) {
    text.push(
      `This ${noun} has no credit pool yet; an admin creates it by setting a policy (see /help team).`,
    );
    return { title: `${team.space.name}: team credits`, text };
  }
  text.push(`This ${noun}'s pool: `, bold(credits(team.pool.available)));
  if (team.pool.held > 0) text.push(` (${credits(team.pool.held)} held for running jobs)`);
  text.push('.');
  const policy = team.policy;
  const fields: ReplyField[] = [
    { label: 'Who may spend', value: [SPENDERS[policy?.spenders ?? 'everyone'] ?? 'every member'] },
    {
      label: 'Monthly cap per member',
      value: [policy?.memberMonthlyCap == null ? 'none' : credits(policy.memberMonthlyCap)],
    },
    {
      label: 'Models',
      value: [policy?.allowedModels ? policy.allowedModels.map((m) => m.name).join(', ') : 'all'],
    },
  ];
  const spend = team.members.length
    ? team.members.map((m) => `${m.displayName} ${credits(m.spent)}${m.held ? ` (+${m.held} held)` : ''}`)
    : ['nobody yet'];
  fields.push({
    label: `Spent in ${team.month}${team.viewerIsAdmin ? '' : ' (you)'}`,
    value: [spend.join(', ')],
  });
  if (team.viewerIsAdmin) {
    text.push(
      '\nChange it with /team cap <credits>|off, /team models <model,...>|all, /team spenders everyone|admins.',
    );
  }
  return { title: `${team.space.name}: team credits`, text, fields };
}

/**
 * /team (alias /usage): the space's pool. Changes go to core with the adapter's answer to "is this
 * person an admin here"; core refuses everyone else and audits every change.
 */
export const teamCommand = commandHandler({
  parse: teamArgs,
  async run(runtime: KitRuntime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    let team: TeamOverview;
    switch (args.sub) {
      case 'show':
        team = await client.team.overview.query();
        break;
      case 'cap':
        team = await client.team.setCap.mutate({ cap: args.cap });
        break;
      case 'models':
        team = await client.team.setModels.mutate({ models: args.models });
        break;
      case 'spenders':
        team = await client.team.setSpenders.mutate({ spenders: args.spenders });
        break;
    }
    await ctx.reply(teamReply(team, ctx, args.sub !== 'show'));
  },
});
