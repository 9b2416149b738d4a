import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';

export interface BenchProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs one of our entry points as its own process (tsx) and waits until it prints `ready`. With
 * BENCH_PROFILE_DIR set, core's processes write a V8 CPU profile there when they exit.
 */
export async function startBenchProcess(
  entry: string,
  env: Record<string, string>,
  ready: string,
): Promise<BenchProcess> {
  const profile = process.env.BENCH_PROFILE_DIR && entry.startsWith('core/');
  const args = profile ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...args, '--import', 'tsx', entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 60_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null) throw new Error(`${entry} exited at start-up:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${entry} did not start in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

const TICKS_PER_SECOND = 100;

/** User + system CPU a process has used so far, in ms (Linux /proc; 0 once it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU used so far by every PostgreSQL process on this machine (server, backends, WAL writer...), in ms. */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres' || comm.startsWith('postgres:')) total += processCpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
