import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll } from 'vitest';
import { waitUntil } from './wait';

export interface AppProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Runs one of our entry points (`core/src/main.ts`, `core/src/jobs/worker.cli.ts`) as a real child
 * process with `env` on top of this one's, and waits until it prints `ready`.
 */
export async function startAppProcess(
  entry: string,
  env: Record<string, string>,
  ready: string,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.on('exit', () => children.delete(child));
  await waitUntil(() => output.includes(ready) || child.exitCode !== null, {
    timeoutMs: 30_000,
    label: `${entry} to start: ${output}`,
  });
  if (child.exitCode !== null) throw new Error(`${entry} exited at start-up:\n${output}`);
  return {
    child,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
