import { afterAll, beforeAll } from 'vitest';
import {
  adapterContract,
  type ContractDriver,
  type ContractMessage,
  type ContractPerson,
  type Place,
} from '../../test/contract/adapter-contract';
import { DEFAULT_FAL_KEY, FalFake } from '../../test/fakes/fal/fal-fake';
import type { Channel, Member, TranscriptEntry } from '../../test/fakes/slack/slack-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { freePort } from '../../test/support/ports';
import { useSlackApp } from '../../test/support/slack-app';
import { waitUntil } from '../../test/support/wait';
import { SLACK_TRAITS } from '../kit/platform-traits';

const fal = new FalFake();
let port = 0;
beforeAll(async () => {
  await fal.start();
  port = await freePort();
});
afterAll(() => fal.close());
const t = useTestDatabase();
const core = useTestCore(t, () => ({ PORT: String(port), FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: { sweepEverySeconds: 3600 },
  jobPollSeconds: 0.5,
});
const app = useSlackApp(t, core);
const slack = app.slack;

interface Element {
  type: string;
  action_id: string;
  text?: { text: string };
  value?: string;
  options?: { text: { text: string }; value: string }[];
}
const rowsOf = (blocks: TranscriptEntry['blocks']) =>
  blocks.filter((b) => b.type === 'actions').map((b) => (b.elements as Element[]) ?? []);
const labelsOf = (blocks: TranscriptEntry['blocks']) =>
  rowsOf(blocks).flatMap((row) => row.flatMap((e) => (e.text ? [e.text.text] : [])));

function contractMessage(m: TranscriptEntry): ContractMessage {
  const rows = rowsOf(m.blocks);
  return {
    id: m.ts,
    text: m.text,
    texts: [...m.history.map((v) => v.text), m.text],
    labelsSeen: [...m.history.flatMap((v) => labelsOf(v.blocks)), ...labelsOf(m.blocks)],
    actions: rows
      .flat()
      .flatMap((e) =>
        e.type === 'static_select'
          ? (e.options ?? []).map((o) => ({ label: o.text.text, action: o.value }))
          : e.value !== undefined
            ? [{ label: e.text?.text ?? '', action: e.value }]
            : [],
      ),
    actionRows: rows.length,
    longestRow: Math.max(0, ...rows.map((r) => r.length)),
    media: m.files.length,
  };
}

/** Slack through the fake: one channel everybody is in, and each member's direct chat with the app. */
function slackDriver(): ContractDriver {
  const acme = slack.world.addWorkspace({ name: 'Contract workspace' });
  const installer = slack.world.addMember(acme, { name: 'Installer', admin: true });
  const channel: Channel = slack.world.addChannel(acme, { name: 'contract', members: [installer] });
  slack.install(acme, installer);
  const people = new Map<string, ContractPerson>();
  return {
    platform: 'slack',
    traits: SLACK_TRAITS,
    hasSharedSpace: true,
    start: async () => {
      await app.start();
    },
    stop: () => app.stop(),
    person(name) {
      const known = people.get(name);
      if (known) return known;
      const member: Member = slack.world.addMember(acme, { name });
      channel.members.add(member.id);
      const chatOf = (where: Place) => (where === 'shared' ? channel : slack.world.directChannel(member));
      const seen = (where: Place) =>
        slack
          .messages(chatOf(where))
          .filter((m) => m.via !== 'user' && (!m.visibleTo || m.visibleTo === member.id));
      const person: ContractPerson = {
        platformUserId: member.id,
        async send(where, text) {
          await slack.user.slashCommand(member, chatOf(where), '/atelier', text.replace(/^\//, ''));
        },
        messages: (where) => seen(where).map(contractMessage),
        async press(where, on, action) {
          const message = slack.world.message(chatOf(where).id, on.id);
          if (!message) throw new Error(`no message ${on.id}`);
          const element = rowsOf(message.blocks)
            .flat()
            .find((e) => e.value === action || e.options?.some((o) => o.value === action));
          if (!element) throw new Error(`no action ${action} on ${on.id}`);
          const notices = () => seen(where).filter((m) => m.visibleTo === member.id).length;
          const before = { notices: notices(), edits: message.history.length };
          await slack.user.pressButton(member, message, element.action_id, {
            ...(element.type === 'static_select' ? { value: action } : {}),
          });
          // A press answers with a notice only the presser sees, or by updating its message.
          await waitUntil(() => notices() > before.notices || message.history.length > before.edits, {
            label: 'the answer to a press',
          });
          return seen(where).filter((m) => m.visibleTo === member.id)[before.notices]?.text;
        },
      };
      people.set(name, person);
      return person;
    },
  };
}

let driver: ContractDriver | undefined;
adapterContract({ db: t, fal, driver: () => (driver ??= slackDriver()) });
