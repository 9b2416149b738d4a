import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * Table types for Kysely, kept in this one place next to the migrations they mirror.
 * `bigint` columns arrive as JS numbers (see database.ts); credits stay far below 2^53.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
// jsonb: pass objects, never JSON strings (postgres.js serializes them; a string would be stored as a JSON string).
type Json<T> = ColumnType<T, T | undefined, T>;

export type Platform = 'discord' | 'telegram' | 'slack' | 'web' | 'console';
export type SpaceKind = 'guild' | 'workspace' | 'group' | 'dm';
export type UserRole = 'user' | 'moderator' | 'admin';
export type EntryKind =
  | 'starter'
  | 'grant'
  | 'purchase'
  | 'refund'
  | 'adjustment'
  | 'hold'
  | 'capture'
  | 'release'
  | 'transfer_in'
  | 'transfer_out';

export interface UserSettings {
  defaultModel?: string;
  deliverPrivately?: boolean;
}

export interface UsersTable {
  id: Generated<string>;
  display_name: string;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  settings: Json<UserSettings>;
  merged_into: string | null;
  created_at: CreatedAt;
}

export interface IdentitiesTable {
  id: Generated<string>;
  user_id: string;
  platform: Platform;
  platform_user_id: string;
  display_name: string;
  created_at: CreatedAt;
}

export interface SpacesTable {
  id: Generated<string>;
  platform: Platform;
  platform_space_id: string;
  kind: SpaceKind;
  name: string;
  settings: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface SpaceMembersTable {
  space_id: string;
  user_id: string;
  role: ColumnType<'owner' | 'manager' | 'member', 'owner' | 'manager' | 'member' | undefined>;
  joined_at: CreatedAt;
}

export interface CreditAccountsTable {
  id: Generated<string>;
  kind: 'personal' | 'team';
  user_id: string | null;
  space_id: string | null;
  available: ColumnType<number, number | undefined, number>;
  held: ColumnType<number, number | undefined, number>;
  /** Set when a refund or lost dispute could not take back every credit (see credit_shortfalls). */
  flagged_at: Timestamp | null;
  flag_reason: string | null;
  created_at: CreatedAt;
}

/** Who may spend a team pool: every member, the listed ones, or the space's admins (as the bot reports them). */
export type TeamSpenders = 'all_members' | 'listed_members' | 'space_admins';

export interface TeamPoliciesTable {
  account_id: string;
  spenders: ColumnType<TeamSpenders, TeamSpenders | undefined>;
  member_monthly_cap: number | null;
  allowed_models: string[] | null;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface TeamSpendersTable {
  account_id: string;
  user_id: string;
  added_at: CreatedAt;
}

export interface TeamMemberUsageTable {
  account_id: string;
  user_id: string;
  month: ColumnType<Date, string, string>;
  spent: ColumnType<number, number | undefined, number>;
}

export interface CreditHoldsTable {
  id: Generated<string>;
  account_id: string;
  user_id: string;
  amount: number;
  status: ColumnType<'pending' | 'captured' | 'released', 'pending' | undefined, 'captured' | 'released'>;
  reference: string;
  idempotency_key: string;
  usage_month: ColumnType<Date | null, string | null | undefined, never>;
  release_reason: string | null;
  created_at: CreatedAt;
  resolved_at: Timestamp | null;
}

export interface CreditEntriesTable {
  id: Generated<number>;
  account_id: string;
  kind: EntryKind;
  amount: number;
  held_delta: ColumnType<number, number | undefined, never>;
  hold_id: string | null;
  idempotency_key: string;
  actor_user_id: string | null;
  reason: string | null;
  external_ref: string | null;
  created_at: CreatedAt;
}

export interface AuditEventsTable {
  id: Generated<number>;
  actor_user_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  reason: string | null;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface FavoritesTable {
  user_id: string;
  model_id: string;
  created_at: CreatedAt;
}

export interface ModelSettingsTable {
  model_id: string;
  enabled: boolean | null;
  price_credits: number | null;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface LinkCodesTable {
  code_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  used_by_user_id: string | null;
  created_at: CreatedAt;
}

export interface WebCredentialsTable {
  user_id: string;
  username: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface WebSessionsTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  /** 'password' for staff sign-in, 'link' for a user's one-time link from a bot. */
  kind: ColumnType<'password' | 'link', 'password' | 'link' | undefined, never>;
  /** The space the sign-in link was made in (link sessions only). */
  space_id: ColumnType<string | null, string | null | undefined, never>;
  /** Whether the bot said the user administers that space (lets them buy for its pool). */
  space_admin: ColumnType<boolean, boolean | undefined, never>;
  created_at: CreatedAt;
}

export type SignInPurpose = 'web' | 'billing';

export interface SignInLinksTable {
  token_hash: string;
  user_id: string;
  space_id: string | null;
  space_admin: ColumnType<boolean, boolean | undefined, never>;
  purpose: SignInPurpose;
  /** The generation a "Continue on web" link opens in the studio. */
  generation_id: ColumnType<string | null, string | null | undefined, never>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export type PurchaseStatus = 'open' | 'paid' | 'expired' | 'refunded';

export interface PurchasesTable {
  id: Generated<string>;
  user_id: string;
  account_id: string;
  pack_id: string;
  credits: number;
  /** Price in the currency's minor unit (cents). */
  amount: number;
  currency: string;
  request_key: string;
  status: ColumnType<PurchaseStatus, PurchaseStatus | undefined, PurchaseStatus>;
  stripe_session_id: string | null;
  checkout_url: string | null;
  payment_intent_id: string | null;
  receipt_url: string | null;
  credits_clawed_back: ColumnType<number, number | undefined, number>;
  credits_unrecovered: ColumnType<number, number | undefined, number>;
  paid_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CreditShortfallsTable {
  id: Generated<number>;
  account_id: string;
  purchase_id: string;
  amount: number;
  reason: string;
  idempotency_key: string;
  created_at: CreatedAt;
}

export interface PromptBlockTermsTable {
  term: string;
  added_by: string | null;
  created_at: CreatedAt;
}

export interface ServiceTokensTable {
  id: Generated<string>;
  name: string;
  platform: Platform;
  token_hash: string;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export type GenerationStatus = 'queued' | 'submitted' | 'processing' | 'succeeded' | 'failed' | 'cancelled';
export type GenerationCategory = 'image' | 'video' | 'music' | '3d' | 'audio' | 'lora';
export type OutputKind = 'image' | 'video' | 'audio' | 'model3d' | 'text' | 'lora';
export type GalleryState = 'pending' | 'approved' | 'hidden' | 'removed';

/** Where a generation was asked for, so its result goes back to the same chat. Set by the bot. */
export interface GenerationOrigin {
  platform?: Platform;
  chatId?: string;
  messageId?: string;
  threadId?: string;
  /** Deliver to the user privately instead of the chat. */
  private?: boolean;
}

export interface UploadsTable {
  id: Generated<string>;
  user_id: string;
  kind: 'image' | 'audio' | 'video' | 'archive';
  status: ColumnType<'pending' | 'ready' | 'rejected', 'pending' | undefined, 'ready' | 'rejected'>;
  storage_key: string;
  filename: string | null;
  declared_type: string;
  declared_size: number;
  mime: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  rejection_reason: string | null;
  url_expires_at: Timestamp;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
  deleted_at: Timestamp | null;
}

export interface GenerationsTable {
  id: Generated<string>;
  user_id: string;
  space_id: string | null;
  account_id: string;
  hold_id: string | null;
  model_id: string;
  category: GenerationCategory;
  input: Json<Record<string, unknown>>;
  prompt: string | null;
  price: number;
  status: ColumnType<GenerationStatus, GenerationStatus | undefined, GenerationStatus>;
  provider: 'fal' | 'demo';
  provider_request_id: string | null;
  queue_position: number | null;
  progress: number | null;
  last_log: string | null;
  failure_reason: string | null;
  submit_attempts: ColumnType<number, number | undefined, number>;
  /** The worker submitting it holds the row until then; a dead worker's lease runs out within seconds. */
  submit_lease_until: Timestamp | null;
  /** Set just before the request is sent: from then on the provider may have it. */
  submit_started_at: Timestamp | null;
  /** How many times it was sent to the provider again after a submit that may have got there. */
  resubmits: ColumnType<number, number | undefined, number>;
  rerolled_from: string | null;
  /** The bot's idempotency key for the command that asked (e.g. a Telegram update id). */
  request_key: string | null;
  /** Who the key belongs to besides the user: the bot token's name, or `web` (both set or both null). */
  request_scope: string | null;
  origin: Json<GenerationOrigin>;
  nsfw: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  submitted_at: Timestamp | null;
  finished_at: Timestamp | null;
  deleted_at: Timestamp | null;
}

export interface GenerationOutputsTable {
  id: Generated<string>;
  generation_id: string;
  position: number;
  kind: OutputKind;
  storage_key: string | null;
  media_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  nsfw: ColumnType<boolean, boolean | undefined, boolean>;
  text_content: string | null;
}

export interface DeliveriesTable {
  id: Generated<number>;
  generation_id: string;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  platform: string;
  user_id: string;
  space_id: string | null;
  created_at: CreatedAt;
  acked_at: Timestamp | null;
  /** Until when the bot connection that was handed this delivery has it to itself. */
  lease_until: Timestamp | null;
  /** The bot process (its consumer id) holding the lease. */
  lease_owner: string | null;
}

export interface ProviderWebhooksTable {
  provider: string;
  request_id: string;
  received_at: CreatedAt;
}

export interface GalleryItemsTable {
  generation_id: string;
  user_id: string;
  category: string;
  state: GalleryState;
  published_at: Timestamp;
  report_count: ColumnType<number, number | undefined, number>;
  /** The generation or one of its outputs was flagged NSFW by the provider (copied at publish). */
  nsfw: ColumnType<boolean, boolean | undefined, never>;
  moderated_at: Timestamp | null;
  moderated_by: string | null;
  moderation_reason: string | null;
}

export type ReportCategory = 'sexual' | 'violence' | 'hate' | 'illegal' | 'spam' | 'other';

export interface GalleryReportsTable {
  generation_id: string;
  reporter_user_id: string;
  category: ColumnType<ReportCategory, ReportCategory | undefined, never>;
  /** The reporter's own words ('other' requires them). */
  reason: string;
  created_at: CreatedAt;
}

export interface LorasTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  trigger_word: string;
  status: ColumnType<'training' | 'ready' | 'failed', 'training' | undefined, 'ready' | 'failed'>;
  training_generation_id: string | null;
  weights_key: string | null;
  failure_reason: string | null;
  created_at: CreatedAt;
  deleted_at: Timestamp | null;
}

export interface LoraSharesTable {
  lora_id: string;
  space_id: string;
  shared_at: CreatedAt;
}

/** Shared attempt counters for throttles (one fixed window per key). */
export interface ThrottleCountersTable {
  key: string;
  attempts: number;
  window_ends_at: Timestamp;
}

export interface SlackInstallationsTable {
  id: Generated<string>;
  /** `T:<team id>` for a workspace install, `E:<enterprise id>` for an org-wide install. */
  installation_key: string;
  team_id: string | null;
  enterprise_id: string | null;
  is_enterprise_install: boolean;
  team_name: string | null;
  app_id: string | null;
  bot_user_id: string | null;
  installed_by: string | null;
  /** Bolt's installation record sealed with the core secret (see secrets/seal.ts); null once uninstalled. */
  sealed_installation: string | null;
  installed_at: Timestamp;
  uninstalled_at: Timestamp | null;
}

export interface DB {
  users: UsersTable;
  identities: IdentitiesTable;
  spaces: SpacesTable;
  space_members: SpaceMembersTable;
  credit_accounts: CreditAccountsTable;
  team_policies: TeamPoliciesTable;
  team_spenders: TeamSpendersTable;
  team_member_usage: TeamMemberUsageTable;
  credit_holds: CreditHoldsTable;
  credit_entries: CreditEntriesTable;
  audit_events: AuditEventsTable;
  favorites: FavoritesTable;
  model_settings: ModelSettingsTable;
  link_codes: LinkCodesTable;
  web_credentials: WebCredentialsTable;
  web_sessions: WebSessionsTable;
  sign_in_links: SignInLinksTable;
  purchases: PurchasesTable;
  credit_shortfalls: CreditShortfallsTable;
  prompt_block_terms: PromptBlockTermsTable;
  service_tokens: ServiceTokensTable;
  throttle_counters: ThrottleCountersTable;
  uploads: UploadsTable;
  generations: GenerationsTable;
  generation_outputs: GenerationOutputsTable;
  deliveries: DeliveriesTable;
  provider_webhooks: ProviderWebhooksTable;
  gallery_items: GalleryItemsTable;
  gallery_reports: GalleryReportsTable;
  loras: LorasTable;
  lora_shares: LoraSharesTable;
  slack_installations: SlackInstallationsTable;
}

export type UserRow = Selectable<UsersTable>;
export type SpaceRow = Selectable<SpacesTable>;
export type CreditAccountRow = Selectable<CreditAccountsTable>;
export type CreditHoldRow = Selectable<CreditHoldsTable>;
export type CreditEntryRow = Selectable<CreditEntriesTable>;
export type NewCreditEntry = Insertable<CreditEntriesTable>;
export type TeamPolicyRow = Selectable<TeamPoliciesTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type UploadRow = Selectable<UploadsTable>;
export type GenerationRow = Selectable<GenerationsTable>;
export type GenerationOutputRow = Selectable<GenerationOutputsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type GalleryItemRow = Selectable<GalleryItemsTable>;
export type LoraRow = Selectable<LorasTable>;
export type PurchaseRow = Selectable<PurchasesTable>;
