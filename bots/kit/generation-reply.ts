import { encodeAction } from './button-actions';
import type { GenerationView } from './core-client';
import { failureSentence } from './error-text';
import {
  type ActionRow,
  button,
  clip,
  code,
  credits,
  type Inline,
  type MediaItem,
  type Reply,
} from './reply';

/** The id people see and type: the first 8 characters of the UUID. */
export const shortId = (id: string) => id.slice(0, 8);

/** The follow-ups core offers on a result (image in: video, 3D, a larger or a varied image). */
export type FollowUpVerb = keyof GenerationView['followUps'];

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'model/gltf-binary': 'glb',
  'application/zip': 'zip',
};

function extensionOf(mediaType: string | null, url: string | null): string {
  if (mediaType && EXTENSIONS[mediaType]) return EXTENSIONS[mediaType];
  const fromUrl = url ? /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname)?.[1] : undefined;
  return fromUrl?.toLowerCase() ?? 'bin';
}

const MEDIA_KIND: Record<string, MediaItem['kind'] | undefined> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  model3d: 'document',
};

/** The finished outputs as media items (text outputs are part of the caption instead). */
export function mediaOf(generation: GenerationView): MediaItem[] {
  const items: MediaItem[] = [];
  for (const output of generation.outputs) {
    const kind = MEDIA_KIND[output.kind];
    if (!kind || !output.url) continue;
    items.push({
      kind,
      url: output.url,
      filename: `atelier-${shortId(generation.id)}-${output.position + 1}.${extensionOf(output.mediaType, output.url)}`,
      ...(output.mediaType ? { mediaType: output.mediaType } : {}),
      ...(output.size != null ? { size: output.size } : {}),
      ...(output.nsfw ? { spoiler: true } : {}),
    });
  }
  return items;
}

/** "“a red fox”\nFLUX.1 [schnell] · 1 credit · 1a2b3c4d" */
export function captionOf(generation: GenerationView): Inline[] {
  const text: Inline[] = [];
  if (generation.prompt) text.push(`“${clip(generation.prompt, 300)}”\n`);
  text.push(`${generation.modelName} · ${credits(generation.price)} · `, code(shortId(generation.id)));
  const transcript = generation.outputs.find((o) => o.kind === 'text' && o.text)?.text;
  if (transcript) text.push(`\n\n${clip(transcript, 3000)}`);
  return text;
}

/** The actions under a finished result, bound to its id. */
export function resultActions(generation: GenerationView): ActionRow[] {
  if (generation.status !== 'succeeded' || generation.category === 'lora') return [];
  const on = (verb: Parameters<typeof encodeAction>[0]['verb']) =>
    encodeAction({ verb, generationId: generation.id } as Parameters<typeof encodeAction>[0]);
  const published = generation.gallery !== null && generation.gallery.state !== 'removed';
  const first: ActionRow = [
    button('Reroll', on('reroll')),
    published ? button('Unpublish', on('unpublish')) : button('Publish', on('publish')),
    button('Favorite model', on('favorite')),
    button('Continue on web', on('web')),
  ];
  // Core says which apply (an image result, a model switched on, Vary only with a prompt).
  const offers = generation.followUps;
  const image: ActionRow = [];
  if (offers.upscale) image.push(button('Upscale', on('upscale')));
  if (offers.vary) image.push(button('Vary', on('vary')));
  const last: ActionRow = [];
  if (offers.animate) last.push(button('Animate', on('animate')));
  if (offers.make3d) last.push(button('Make 3D', on('make3d')));
  last.push(button('Delete', on('delete'), 'danger'));
  return image.length > 0 ? [first, image, last] : [first, last];
}

/** A member's spend from the team pool that paid this month, and the pool's per-member cap (null: none). */
export interface TeamSpend {
  spent: number;
  cap: number | null;
}

/** "you: 40 of 100 this month", or "you: 40 this month" when the pool sets no cap. */
export function teamSpendLine(spend: TeamSpend): string {
  return `you: ${spend.spent}${spend.cap !== null ? ` of ${spend.cap}` : ''} this month`;
}

/**
 * A generation as a chat message: its media, caption and buttons, or why it has none. A result a
 * team pool paid for says what the member has spent from it this month (`teamSpend`).
 */
export function generationReply(generation: GenerationView, teamSpend?: TeamSpend | null): Reply {
  if (generation.status === 'failed' || generation.status === 'cancelled') {
    return {
      text: [
        failureSentence(generation.failureReason, generation.price, generation.status === 'cancelled'),
        ' ',
        code(shortId(generation.id)),
      ],
      generationId: generation.id,
    };
  }
  if (generation.status !== 'succeeded') {
    const where = generation.queuePosition
      ? `queued (position ${generation.queuePosition})`
      : generation.progress != null
        ? `${generation.progress}%`
        : 'running';
    return {
      text: [`Still working on it: ${where}. `, code(shortId(generation.id))],
      generationId: generation.id,
    };
  }
  if (generation.category === 'lora') {
    return {
      text: ['Your LoRA finished training; see /lora list. ', code(shortId(generation.id))],
      generationId: generation.id,
    };
  }
  return {
    text: teamSpend ? [...captionOf(generation), `\n${teamSpendLine(teamSpend)}`] : captionOf(generation),
    media: mediaOf(generation),
    actions: resultActions(generation),
    generationId: generation.id,
  };
}

const STATUS_MARK: Record<string, string> = {
  succeeded: '✓',
  failed: '✗',
  cancelled: '✗',
  queued: '…',
  submitted: '…',
  processing: '…',
};

function ago(date: Date, now = Date.now()): string {
  const minutes = Math.round((now - date.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return date.toISOString().slice(0, 10);
}

/** One line of /history or /gallery. */
export function listLine(generation: GenerationView, extra?: string): Inline[] {
  const what = generation.prompt ? ` “${clip(generation.prompt, 60)}”` : '';
  const line: Inline[] = [
    code(shortId(generation.id)),
    ` ${STATUS_MARK[generation.status] ?? ''} ${generation.category} · ${generation.modelName}${what} · ${ago(new Date(generation.createdAt))}`,
  ];
  if (generation.gallery && generation.gallery.state !== 'removed') line.push(' · in gallery');
  if (extra) line.push(` · ${extra}`);
  return line;
}
