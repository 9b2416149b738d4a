import type { Tx } from '../../db/database';
import * as repo from './lora.repo';

const MAX_NAME_LENGTH = 40;

/**
 * Before a merge moves `fromUserId`'s LoRAs to `toUserId`: each LoRA whose name the other user already
 * has (names are unique per user, case-insensitively) is renamed `name 2`, `name 3`... Its trigger word,
 * and so every prompt that uses it, stays the same.
 */
export async function renameClashingLoras(tx: Tx, fromUserId: string, toUserId: string): Promise<void> {
  const theirs = new Set((await repo.listLiveLoraNames(tx, toUserId)).map((l) => l.name.toLowerCase()));
  const moving = await repo.listLiveLoraNames(tx, fromUserId);
  const taken = new Set([...theirs, ...moving.map((l) => l.name.toLowerCase())]);
  for (const lora of moving) {
    if (!theirs.has(lora.name.toLowerCase())) continue;
    const name = freeName(lora.name, taken);
    taken.add(name.toLowerCase());
    await repo.renameLora(tx, lora.id, name);
  }
}

function freeName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const suffix = ` ${n}`;
    const candidate = `${[...name]
      .slice(0, MAX_NAME_LENGTH - suffix.length)
      .join('')
      .trimEnd()}${suffix}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}
