import type { App } from '@slack/bolt';
import type { CoreConnection } from '../kit/core-client';
import { listLine } from '../kit/generation-reply';
import { credits, type Inline, type Reply } from '../kit/reply';
import type { SlackWiring } from './slack.adapter';
import { toMessage } from './slack-format';
import { slackActor } from './slack-input';

const RECENT = 5;

/** The App Home tab: the member's own spend this month, the workspace pool, their latest results. */
export async function homeReply(core: CoreConnection, actor: ReturnType<typeof slackActor>): Promise<Reply> {
  const client = core.as(actor);
  const [team, recent] = await Promise.all([
    client.team.overview.query(),
    client.history.list.query({ limit: RECENT }),
  ]);
  const mine = team.members.find((m) => m.spent > 0 || m.held > 0) ?? { spent: 0, held: 0 };
  const cap = team.policy?.memberMonthlyCap;
  const fields: Reply['fields'] = [
    {
      label: 'You this month',
      value: [cap == null ? credits(mine.spent) : `${mine.spent} of ${credits(cap)}`],
    },
    { label: 'Workspace pool', value: [team.pool ? credits(team.pool.available) : 'none yet'] },
  ];
  const text: Inline[] = recent.items.length
    ? ['*Your latest results*\n', ...recent.items.flatMap((g) => [...listLine(g), '\n'])]
    : ['Nothing made yet. Try ', { code: '/atelier gen a lighthouse at dusk' }, '.'];
  return { title: 'Atelier', fields, text };
}

/** Publishes the home tab whenever a member opens it. */
export function installAppHome(app: App, w: SlackWiring, core: CoreConnection): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const teamId = (body as { team_id: string }).team_id;
    w.directory.saw(event.user, teamId);
    const actor = slackActor({
      teamId,
      teamName: await w.directory.teamLabel(teamId),
      userId: event.user,
      userName: w.directory.personLabel(event.user),
    });
    const { blocks } = toMessage(await homeReply(core, actor));
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks } });
  });
}
