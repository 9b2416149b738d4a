import type { Chat, User } from 'grammy/types';
import { afterAll, beforeAll } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import {
  adapterContract,
  type ContractDriver,
  type ContractMessage,
  type ContractPerson,
} from '../../test/contract/adapter-contract';
import { DEFAULT_FAL_KEY, FalFake } from '../../test/fakes/fal/fal-fake';
import { FakeTelegram, type SentMessage } from '../../test/fakes/telegram/telegram-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { freePort } from '../../test/support/ports';
import { TELEGRAM_TRAITS } from '../kit/platform-traits';
import { startTelegramBot, type TelegramBot } from './telegram.adapter';

const fal = new FalFake();
const tg = new FakeTelegram({ bot: { username: 'atelier_contract_bot' } });
let port = 0;
beforeAll(async () => {
  await fal.start();
  await tg.start();
  port = await freePort();
});
afterAll(async () => {
  await tg.close();
  await fal.close();
});
const t = useTestDatabase();
const core = useTestCore(
  t,
  () => ({
    PORT: String(port),
    FAL_KEY: DEFAULT_FAL_KEY,
    FAL_API_ROOT: fal.url,
    TELEGRAM_API_ROOT: tg.apiRoot,
  }),
  { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
);

type Keyboard = { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined;

function contractMessage(m: SentMessage): ContractMessage {
  const rows = (m.reply_markup as Keyboard)?.inline_keyboard ?? [];
  const versions = [...m.history.map((v) => v.message), m.message];
  const textOf = (msg: { text?: string; caption?: string }) => msg.text ?? msg.caption ?? '';
  return {
    id: String(m.message_id),
    text: textOf(m),
    texts: [...m.history.map((v) => textOf(v.message)), textOf(m)],
    labelsSeen: versions.flatMap((v) => (v.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)),
    actions: rows
      .flat()
      .flatMap((b) => (b.callback_data ? [{ label: b.text, action: b.callback_data }] : [])),
    actionRows: rows.length,
    longestRow: Math.max(0, ...rows.map((r) => r.length)),
    media: m.kind === 'text' ? 0 : 1,
  };
}

/** Telegram through the fake Bot API: one group everybody is in, and each person's private chat. */
function telegramDriver(): ContractDriver {
  let bot: TelegramBot | null = null;
  let tokens = 0;
  const group = tg.createGroupChat({ title: 'Contract group' });
  const people = new Map<string, ContractPerson>();
  return {
    platform: 'telegram',
    traits: TELEGRAM_TRAITS,
    hasSharedSpace: true,
    async start() {
      const serviceToken = await createServiceToken(t.db, {
        name: `tg-contract-${++tokens}`,
        platform: 'telegram',
      });
      bot = await startTelegramBot({
        token: tg.token,
        coreUrl: core.app.url,
        serviceToken,
        apiRoot: tg.apiRoot,
        pollingTimeoutSeconds: 1,
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
      const user: User = tg.createUser({ first_name: name });
      const dm: Chat = tg.createPrivateChat(user);
      const chatOf = (where: 'shared' | 'direct') => (where === 'shared' ? group : dm);
      const person: ContractPerson = {
        platformUserId: String(user.id),
        async send(where, text) {
          tg.sendUserMessage(chatOf(where), user, text);
        },
        messages: (where) => tg.sentMessages(chatOf(where)).map(contractMessage),
        async press(where, on, action) {
          const { callbackQuery } = tg.pressButton(chatOf(where), user, Number(on.id), action);
          const answer = await tg.waitFor(() => tg.callbackAnswer(callbackQuery.id), 15_000);
          return answer.text;
        },
      };
      people.set(name, person);
      return person;
    },
  };
}

let driver: ContractDriver | undefined;
adapterContract({ db: t, fal, driver: () => (driver ??= telegramDriver()) });
