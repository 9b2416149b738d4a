/**
 * An error the fake answers with, in Discord's envelope: `{ code, message, errors? }`, where `errors`
 * nests field paths down to `{ _errors: [{ code, message }] }` for 50035 Invalid Form Body.
 */
export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.errors
      ? { message: this.message, code: this.code, errors: this.errors }
      : { message: this.message, code: this.code };
  }
}

/** Discord's JSON error codes the fake produces (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
export const discordError = {
  unauthorized: () => new DiscordHttpError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordHttpError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new DiscordHttpError(405, 0, '405: Method Not Allowed'),
  unknownApplication: () => new DiscordHttpError(404, 10002, 'Unknown Application'),
  unknownChannel: () => new DiscordHttpError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordHttpError(404, 10004, 'Unknown Guild'),
  unknownMessage: () => new DiscordHttpError(404, 10008, 'Unknown Message'),
  unknownUser: () => new DiscordHttpError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new DiscordHttpError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordHttpError(404, 10062, 'Unknown interaction'),
  entityTooLarge: () => new DiscordHttpError(413, 40005, 'Request entity too large'),
  alreadyAcknowledged: () => new DiscordHttpError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new DiscordHttpError(403, 50001, 'Missing Access'),
  cannotEditOthers: () => new DiscordHttpError(403, 50005, 'Cannot edit a message authored by another user'),
  cannotSendEmpty: () => new DiscordHttpError(400, 50006, 'Cannot send an empty message'),
  cannotMessageUser: () => new DiscordHttpError(403, 50007, 'Cannot send messages to this user'),
  missingPermissions: () => new DiscordHttpError(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: () => new DiscordHttpError(401, 50027, 'Invalid Webhook Token'),
  invalidFormBody: (errors: Record<string, unknown>) =>
    new DiscordHttpError(400, 50035, 'Invalid Form Body', errors),
  serverError: () => new DiscordHttpError(500, 0, '500: Internal Server Error'),
};

/** Collects field errors with their paths and throws one 50035 Invalid Form Body naming all of them. */
export class FormErrors {
  private readonly tree: Record<string, unknown> = {};
  private count = 0;

  add(path: readonly (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      node[String(key)] ??= {};
      node = node[String(key)] as Record<string, unknown>;
    }
    node._errors ??= [];
    (node._errors as { code: string; message: string }[]).push({ code, message });
    this.count++;
  }

  /** `value` must be a string of `min`..`max` characters (Discord counts UTF-16 code units too). */
  length(path: readonly (string | number)[], value: unknown, min: number, max: number): void {
    if (typeof value !== 'string') {
      if (min > 0 || value !== undefined) this.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
      return;
    }
    if (value.length > max) this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    else if (value.length < min) this.add(path, 'BASE_TYPE_MIN_LENGTH', `Must be ${min} or more in length.`);
  }

  max(path: readonly (string | number)[], items: readonly unknown[] | undefined, max: number): void {
    if (items && items.length > max)
      this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  }

  throwIfAny(): void {
    if (this.count > 0) throw discordError.invalidFormBody(this.tree);
  }
}
