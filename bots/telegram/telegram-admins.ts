import type { Api } from 'grammy';

const ADMIN_STATUSES = new Set(['creator', 'administrator']);

/**
 * "Is this person an admin of this group?", from Telegram's getChatMember (creator or
 * administrator), remembered for a minute so a busy group costs one call per person, not per command.
 */
export class TelegramSpaceAdmins {
  private readonly known = new Map<string, { admin: boolean; at: number }>();

  constructor(
    private readonly api: Api,
    private readonly ttlMs = 60_000,
  ) {}

  async isAdmin(chatId: number | string, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const hit = this.known.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.admin;
    const member = await this.api.getChatMember(chatId, userId);
    const admin = ADMIN_STATUSES.has(member.status);
    if (this.known.size > 10_000) this.known.delete(this.known.keys().next().value as string);
    this.known.set(key, { admin, at: Date.now() });
    return admin;
  }
}
