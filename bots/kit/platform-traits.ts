/**
 * What a chat platform can do, stated once per adapter. The kit lays replies out and words them by
 * these traits; each capability has a documented fallback, so no adapter writes its own.
 */
export interface PlatformTraits {
  /**
   * Replies only the asker sees (Discord ephemeral, Slack `response_type: ephemeral`). Without them,
   * ephemeral replies are posted publicly, and secrets go by direct message instead.
   */
  ephemeral: boolean;
  /**
   * How long an answer to an interaction stays editable (Discord: 15 minutes; Slack's response_url:
   * 30 minutes); null when messages stay editable. Progress stops editing when it closes and the
   * outcome is posted anew.
   */
  editWindowMs: number | null;
  /** Rows of actions under one message (Discord: 5). */
  maxActionRows: number;
  /** Buttons in one row (Discord: 5). */
  maxActionsPerRow: number;
  /** Select menus; without them a select becomes (paged) buttons. */
  selectMenus: boolean;
  /** Options in one select (Discord and Slack: 25). */
  maxSelectOptions: number;
  /** Bytes an action string may take (Telegram's callback_data: 64; Discord's custom_id: 100). */
  maxActionBytes: number;
  /** What users call a space here: "this group's pool", "this server's pool"... */
  spaceNoun: 'group' | 'server' | 'workspace' | 'chat';
}

/** Telegram: inline keyboards (no selects, no ephemeral replies); bots may edit their messages for good. */
export const TELEGRAM_TRAITS: PlatformTraits = {
  ephemeral: false,
  editWindowMs: null,
  maxActionRows: 10,
  maxActionsPerRow: 4,
  selectMenus: false,
  maxSelectOptions: 0,
  maxActionBytes: 64,
  spaceNoun: 'group',
};

/** Discord: message components (5 rows of 5 buttons, or one select of 25 per row), 15-minute tokens. */
export const DISCORD_TRAITS: PlatformTraits = {
  ephemeral: true,
  editWindowMs: 15 * 60_000,
  maxActionRows: 5,
  maxActionsPerRow: 5,
  selectMenus: true,
  maxSelectOptions: 25,
  maxActionBytes: 100,
  spaceNoun: 'server',
};

/** Slack: Block Kit actions (25 elements per block), response_url valid 30 minutes. */
export const SLACK_TRAITS: PlatformTraits = {
  ephemeral: true,
  editWindowMs: 30 * 60_000,
  maxActionRows: 5,
  maxActionsPerRow: 5,
  selectMenus: true,
  maxSelectOptions: 25,
  maxActionBytes: 255,
  spaceNoun: 'workspace',
};

/** The terminal: numbered choices, one person, nothing expires. */
export const CONSOLE_TRAITS: PlatformTraits = {
  ephemeral: false,
  editWindowMs: null,
  maxActionRows: 10,
  maxActionsPerRow: 5,
  selectMenus: false,
  maxSelectOptions: 0,
  maxActionBytes: 200,
  spaceNoun: 'chat',
};
