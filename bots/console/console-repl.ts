import { userInfo } from 'node:os';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { KitLogger } from '../kit/kit.types';
import { startConsoleChat } from './console.adapter';

export interface ConsoleReplOptions {
  coreUrl: string;
  serviceToken: string;
  downloadDir: string;
  logger: KitLogger;
  /** Runs after the chat closed (stop an in-process core, say). */
  onClose?: () => Promise<void>;
}

/**
 * The terminal conversation: reads lines from stdin, prints the bot's lines above the prompt (results
 * arrive at any time), and exits on /quit, end of input or Ctrl-C.
 */
export function runConsoleRepl(opts: ConsoleReplOptions): void {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
  const print = (line: string) => {
    if (process.stdout.isTTY) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
    }
    process.stdout.write(`${line}\n`);
    if (process.stdout.isTTY) rl.prompt(true);
  };
  const chat = startConsoleChat({
    coreUrl: opts.coreUrl,
    serviceToken: opts.serviceToken,
    userName: userInfo().username || 'local',
    downloadDir: opts.downloadDir,
    print,
    logger: opts.logger,
  });
  print('Atelier chat: type /help for the commands, /quit to leave.');

  const pending = new Set<Promise<void>>();
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    rl.close();
    await Promise.allSettled([...pending]);
    await chat.close();
    await opts.onClose?.();
    process.exit(0);
  };
  rl.on('line', (line) => {
    if (/^\/(quit|exit)\b/i.test(line.trim())) return void close();
    const work = chat.input(line).catch((error: unknown) => print(`Something went wrong: ${String(error)}`));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  rl.on('close', () => void close());
  process.on('SIGINT', () => void close());
  rl.prompt();
}
