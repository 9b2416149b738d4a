import type { SlackClients } from './slack-clients';

interface Remembered<T> {
  value: T;
  at: number;
}

/**
 * What the adapter asks Slack about people and workspaces, remembered for a while so a busy
 * workspace costs one call per person, not one per command: whether a member is a workspace admin
 * or owner (users.info), a workspace's name (auth.test), and which workspace a member was last seen
 * in (so a result can be sent to them directly).
 */
export class SlackDirectory {
  private readonly admins = new Map<string, Remembered<boolean>>();
  private readonly names = new Map<string, Remembered<string>>();
  private readonly teams = new Map<string, string>();
  private readonly people = new Map<string, string>();

  constructor(
    private readonly clients: SlackClients,
    private readonly ttlMs = 60_000,
  ) {}

  private fresh<T>(hit: Remembered<T>, ttl = this.ttlMs): boolean {
    return Date.now() - hit.at < ttl;
  }

  async isAdmin(teamId: string, userId: string): Promise<boolean> {
    const key = `${teamId}:${userId}`;
    const hit = this.admins.get(key);
    if (hit && this.fresh(hit)) return hit.value;
    const client = await this.clients.forTeam(teamId);
    const { user } = await client.users.info({ user: userId });
    const admin = user?.is_admin === true || user?.is_owner === true || user?.is_primary_owner === true;
    if (this.admins.size > 10_000) this.admins.clear();
    this.admins.set(key, { value: admin, at: Date.now() });
    return admin;
  }

  /** The workspace's name; its id when Slack cannot say (names only label the space in core). */
  async workspaceName(teamId: string): Promise<string> {
    const hit = this.names.get(teamId);
    if (hit && this.fresh(hit, 60 * 60_000)) return hit.value;
    let name = hit?.value ?? teamId;
    try {
      const client = await this.clients.forTeam(teamId);
      name = (await client.auth.test()).team ?? name;
    } catch {
      // Keep what we had: a name is a label, not worth failing a command for.
    }
    this.names.set(teamId, { value: name, at: Date.now() });
    return name;
  }

  rememberTeamName(teamId: string, name: string): void {
    this.names.set(teamId, { value: name, at: Date.now() });
  }

  /**
   * The workspace's name for its space in core, without a Slack call: learned at start-up (one
   * workspace) or from the installation (several), else the id.
   */
  async teamLabel(teamId: string): Promise<string> {
    const known = this.names.get(teamId)?.value;
    if (known) return known;
    const name = await this.clients.teamName(teamId);
    if (name) this.rememberTeamName(teamId, name);
    return name ?? teamId;
  }

  /** Slash commands and interactions name the member; events do not, so the last name seen is kept. */
  personLabel(userId: string, named?: string): string {
    if (named) {
      if (this.people.size > 50_000) this.people.clear();
      this.people.set(userId, named);
      return named;
    }
    return this.people.get(userId) ?? userId;
  }

  saw(userId: string, teamId: string): void {
    if (this.teams.size > 50_000) this.teams.clear();
    this.teams.set(userId, teamId);
  }

  /** The workspace a member was last seen in by this process (undefined after a restart). */
  teamOf(userId: string): string | undefined {
    return this.teams.get(userId);
  }
}
