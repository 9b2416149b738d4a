import type { Attachment as DiscordAttachment } from 'discord.js';

type Image = Pick<DiscordAttachment, 'url' | 'name' | 'contentType'>;

const FORM_PREFIX = 'use-as-input:';
/** A form left open longer than an interaction token lives is not worth keeping. */
const FORM_LIFETIME_MS = 15 * 60_000;
const MAX_OPEN_FORMS = 5_000;

/**
 * The images behind open "Use as input" forms. The image must be taken from the context-menu
 * interaction itself: without the privileged Message Content intent, Discord hides attachments of
 * other people's messages from the bot everywhere else. Kept in memory: a form opened before a
 * restart is answered with "use it again".
 */
export class UseAsInputForms {
  private readonly open = new Map<string, { image: Image; expiresAt: number }>();

  /** Remembers the image; returns the modal's custom id. */
  openFor(interactionId: string, image: Image): string {
    const now = Date.now();
    for (const [id, form] of this.open)
      if (form.expiresAt <= now || this.open.size >= MAX_OPEN_FORMS) this.open.delete(id);
    this.open.set(interactionId, { image, expiresAt: now + FORM_LIFETIME_MS });
    return `${FORM_PREFIX}${interactionId}`;
  }

  /** The image of a submitted form (once), or null when the form is unknown or expired. */
  take(customId: string): Image | null {
    if (!customId.startsWith(FORM_PREFIX)) return null;
    const id = customId.slice(FORM_PREFIX.length);
    const form = this.open.get(id);
    this.open.delete(id);
    return form && form.expiresAt > Date.now() ? form.image : null;
  }
}
