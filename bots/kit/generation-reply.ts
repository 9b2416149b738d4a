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
export function mediaOf(g: GenerationView): MediaItem[] {
  const items: MediaItem[] = [];
  for (const output of g.outputs) {
    const kind = MEDIA_KIND[output.kind];
    if (!kind || !output.url) continue;
    items.push({
      kind,
      url: output.url,
      filename: `atelier-${shortId(g.id)}-${output.position + 1}.${extensionOf(output.mediaType, output.url)}`,
      ...(output.mediaType ? { mediaType: output.mediaType } : {}),
      ...(output.size != null ? { size: output.size } : {}),
      ...(output.nsfw ? { spoiler: true } : {}),
    });
  }
  return items;
}

/** "“a red fox”\nFLUX.1 [schnell] · 1 credit · 1a2b3c4d" */
export function captionOf(g: GenerationView): Inline[] {
  const text: Inline[] = [];
  if (g.prompt) text.push(`“${clip(g.prompt, 300)}”\n`);
  text.push(`${g.modelName} · ${credits(g.price)} · `, code(shortId(g.id)));
  const transcript = g.outputs.find((o) => o.kind === 'text' && o.text)?.text;
  if (transcript) text.push(`\n\n${clip(transcript, 3000)}`);
  return text;
}

/** The actions under a finished result, bound to its id. */
export function resultActions(g: GenerationView): ActionRow[] {
  if (g.status !== 'succeeded' || g.category === 'lora') return [];
  const on = (verb: Parameters<typeof encodeAction>[0]['verb']) =>
    encodeAction({ verb, generationId: g.id } as Parameters<typeof encodeAction>[0]);
  const published = g.gallery !== null && g.gallery.state !== 'removed';
  const first: ActionRow = [
    button('Reroll', on('reroll')),
    published ? button('Unpublish', on('unpublish')) : button('Publish', on('publish')),
    button('Favorite model', on('favorite')),
  ];
  // Core says which apply (an image result, a model switched on, Vary only with a prompt).
  const offers = g.followUps;
  const image: ActionRow = [];
  if (offers.upscale) image.push(button('Upscale', on('upscale')));
  if (offers.vary) image.push(button('Vary', on('vary')));
  const last: ActionRow = [];
  if (offers.animate) last.push(button('Animate', on('animate')));
  if (offers.make3d) last.push(button('Make 3D', on('make3d')));
  last.push(button('Delete', on('delete'), 'danger'));
  return image.length > 0 ? [first, image, last] : [first, last];
}

/** A generation as a chat message: its media, caption and buttons, or why it has none. */
export function generationReply(g: GenerationView): Reply {
  if (g.status === 'failed' || g.status === 'cancelled') {
    return {
      text: [failureSentence(g.failureReason, g.price, g.status === 'cancelled'), ' ', code(shortId(g.id))],
      generationId: g.id,
    };
  }
  if (g.status !== 'succeeded') {
    const where = g.queuePosition
      ? `queued (position ${g.queuePosition})`
      : g.progress != null
        ? `${g.progress}%`
        : 'running';
    return { text: [`Still working on it: ${where}. `, code(shortId(g.id))], generationId: g.id };
  }
  if (g.category === 'lora') {
    return {
      text: ['Your LoRA finished training; see /lora list. ', code(shortId(g.id))],
      generationId: g.id,
    };
  }
  return { text: captionOf(g), media: mediaOf(g), actions: resultActions(g), generationId: g.id };
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
export function listLine(g: GenerationView, extra?: string): Inline[] {
  const what = g.prompt ? ` “${clip(g.prompt, 60)}”` : '';
  const line: Inline[] = [
    code(shortId(g.id)),
    ` ${STATUS_MARK[g.status] ?? ''} ${g.category} · ${g.modelName}${what} · ${ago(new Date(g.createdAt))}`,
  ];
  if (g.gallery && g.gallery.state !== 'removed') line.push(' · in gallery');
  if (extra) line.push(` · ${extra}`);
  return line;
}
