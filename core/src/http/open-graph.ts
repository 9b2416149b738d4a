import { type GalleryDeps, galleryItem } from '../domain/gallery/gallery.service';
import { isAppError } from '../errors';

const GALLERY_ITEM_PATH = /^\/gallery\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/;

export interface OpenGraph {
  title: string;
  description: string;
  url: string;
  type: 'website' | 'article' | 'video.other' | 'music.song';
  image: { url: string; type: string | null; width: number | null; height: number | null } | null;
  video: { url: string; type: string | null } | null;
  audio: { url: string; type: string | null } | null;
}

/**
 * The Open Graph tags for a page of the web app, so a shared link previews in chat apps: a gallery
 * item's prompt, model, author and media for `/gallery/<id>`, the gallery's own for `/gallery`.
 * Null for other paths, and for items that are not (or no longer) approved: serve the page without them.
 */
export async function openGraphFor(
  deps: GalleryDeps & { baseUrl: string },
  pathname: string,
): Promise<OpenGraph | null> {
  if (pathname === '/gallery' || pathname === '/gallery/') {
    return {
      title: 'Atelier gallery',
      description: 'Images, video, music, 3D and voice made with Atelier.',
      url: `${deps.baseUrl}/gallery`,
      type: 'website',
      image: null,
      video: null,
      audio: null,
    };
  }
  const id = GALLERY_ITEM_PATH.exec(pathname)?.[1];
  if (!id) return null;
  let item: Awaited<ReturnType<typeof galleryItem>>;
  try {
    // Media links are signed for the usual hour: chat apps fetch a preview's image when the link is
    // posted (and keep their own copy), and a takedown should not leave a long-lived link behind.
    item = await galleryItem(deps, id);
  } catch (error) {
    if (isAppError(error, 'NOT_FOUND')) return null;
    throw error;
  }
  const media = (kind: string) => item.outputs.find((o) => o.kind === kind && o.url && !o.nsfw);
  const image = media('image');
  const video = media('video');
  const audio = media('audio');
  const prompt = item.prompt?.trim() || `A ${item.category} made with ${item.modelName}`;
  return {
    title: truncate(prompt, 90),
    description: `${item.modelName} · by ${item.authorName} · Atelier gallery`,
    url: `${deps.baseUrl}/gallery/${item.id}`,
    type: video ? 'video.other' : audio && !image ? 'music.song' : 'article',
    image: image?.url
      ? { url: image.url, type: image.mediaType, width: image.width, height: image.height }
      : null,
    video: video?.url ? { url: video.url, type: video.mediaType } : null,
    audio: audio?.url ? { url: audio.url, type: audio.mediaType } : null,
  };
}

/** The tags as HTML (every value escaped), for the page's <head>. */
export function renderOpenGraphTags(og: OpenGraph): string {
  const tags: [string, string | number | null][] = [
    ['og:site_name', 'Atelier'],
    ['og:type', og.type],
    ['og:title', og.title],
    ['og:description', og.description],
    ['og:url', og.url],
    ['og:image', og.image?.url ?? null],
    ['og:image:type', og.image?.type ?? null],
    ['og:image:width', og.image?.width ?? null],
    ['og:image:height', og.image?.height ?? null],
    ['og:video', og.video?.url ?? null],
    ['og:video:type', og.video?.type ?? null],
    ['og:audio', og.audio?.url ?? null],
    ['og:audio:type', og.audio?.type ?? null],
  ];
  const lines = tags
    .filter((tag): tag is [string, string | number] => tag[1] !== null)
    .map(([property, content]) => `<meta property="${property}" content="${escapeHtml(String(content))}">`);
  lines.push(
    `<meta name="twitter:card" content="${og.image ? 'summary_large_image' : 'summary'}">`,
    `<meta name="twitter:title" content="${escapeHtml(og.title)}">`,
    `<meta name="description" content="${escapeHtml(og.description)}">`,
  );
  return lines.join('\n    ');
}

/**
 * The built index.html with the page's title and Open Graph tags: replaces its <title> and inserts the
 * tags before </head>. For the static handler that serves the single-page app.
 */
export function withOpenGraph(indexHtml: string, og: OpenGraph): string {
  const title = `<title>${escapeHtml(og.title)} · Atelier</title>`;
  const titled = /<title>[\s\S]*?<\/title>/i.test(indexHtml)
    ? indexHtml.replace(/<title>[\s\S]*?<\/title>/i, title)
    : indexHtml.replace(/<\/head>/i, `  ${title}\n  </head>`);
  return titled.replace(/<\/head>/i, `  ${renderOpenGraphTags(og)}\n  </head>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
