import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createServiceToken } from '../../core/src/domain/auth/auth.service';
import {
  adapterContract,
  type ContractDriver,
  type ContractMessage,
  type ContractPerson,
} from '../../test/contract/adapter-contract';
import { DEFAULT_FAL_KEY, FalFake } from '../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../test/support/core';
import { useTestDatabase } from '../../test/support/db';
import { freePort } from '../../test/support/ports';
import { CONSOLE_TRAITS } from '../kit/platform-traits';
import { type ActionRow, flattenReply, plainText } from '../kit/reply';
import { type ConsoleChat, startConsoleChat } from './console.adapter';
import type { ConsoleEvent } from './console-sink';

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

interface Shown {
  chatId: string;
  message: ContractMessage;
  rows: ActionRow[];
}

function withActions(message: ContractMessage, rows: ActionRow[]): ContractMessage {
  const actions = rows
    .flat()
    .flatMap((a) =>
      a.type === 'button'
        ? [{ label: a.label, action: a.action }]
        : a.type === 'select'
          ? a.options.map((o) => ({ label: o.label, action: o.action }))
          : [],
    );
  return {
    ...message,
    actions,
    labelsSeen: [...message.labelsSeen, ...actions.map((a) => a.label)],
    actionRows: rows.length,
    longestRow: Math.max(0, ...rows.map((r) => r.length)),
  };
}

/** The terminal: every person is a local user with their own direct chat; messages come from its observer. */
function consoleDriver(): ContractDriver {
  const downloads = mkdtempSync(path.join(tmpdir(), 'atelier-contract-'));
  const shown = new Map<string, Shown>();
  const notices: { chatId: string; text: string }[] = [];
  let chat: ConsoleChat | null = null;
  let tokens = 0;
  const observe = (event: ConsoleEvent) => {
    if (event.kind === 'notice') return void notices.push(event);
    const key = `${event.chatId}:${event.messageId}`;
    const before = shown.get(key);
    const text = plainText(flattenReply(event.reply));
    const rows = event.reply.actions ?? [];
    if (event.kind === 'actions' && before) {
      shown.set(key, { ...before, rows, message: withActions(before.message, rows) });
      return;
    }
    const base: ContractMessage = {
      id: event.messageId,
      text,
      texts: [...(before?.message.texts ?? []), text],
      labelsSeen: before?.message.labelsSeen ?? [],
      actions: [],
      actionRows: 0,
      longestRow: 0,
      media: event.reply.media?.length ?? 0,
    };
    shown.set(key, { chatId: event.chatId, rows, message: withActions(base, rows) });
  };
  const people = new Map<string, ContractPerson>();
  return {
    platform: 'console',
    traits: CONSOLE_TRAITS,
    hasSharedSpace: false,
    async start() {
      const serviceToken = await createServiceToken(t.db, {
        name: `console-contract-${++tokens}`,
        platform: 'console',
      });
      chat = startConsoleChat({
        coreUrl: core.app.url,
        serviceToken,
        userName: 'owner',
        downloadDir: downloads,
        print: () => {},
        observe,
        progressEditIntervalMs: 50,
      });
    },
    async stop() {
      const running = chat;
      chat = null;
      await running?.close();
    },
    person(name) {
      const known = people.get(name);
      if (known) return known;
      const chatId = `console:${name}`;
      const person: ContractPerson = {
        platformUserId: name,
        send: async (_where, text) => {
          await chat!.input(text, name);
        },
        messages: () => [...shown.values()].filter((s) => s.chatId === chatId).map((s) => s.message),
        async press(_where, on, action) {
          const from = notices.length;
          // Another person can type an action they saw over someone's shoulder: the press is theirs.
          await chat!.press(action, { userName: name, on: { chatId, messageId: on.id } });
          return notices.slice(from).find((n) => n.chatId === chatId)?.text;
        },
      };
      people.set(name, person);
      return person;
    },
  };
}

let driver: ContractDriver | undefined;
adapterContract({ db: t, fal, driver: () => (driver ??= consoleDriver()) });
