import { galleryItem } from '../domain/gallery/gallery.service';
import { AppError } from '../errors';
import type { Deps } from '../trpc/context';
import type { PagePreview } from './web-app.route';

/** Chat apps cache link previews for days; the preview image's signed link must outlive that. */
const PREVIEW_MEDIA_TTL_SECONDS = 7 * 24 * 60 * 60;
const GALLERY_ITEM = /^\/gallery\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Open Graph data per page, so a shared link previews in Discord, Telegram and Slack: a gallery item
 * shows its prompt, model, author and image; the gallery itself a generic card. Items that are not
 * (or no longer) approved get the generic card, never their content.
 */
export function createPagePreviews(deps: Deps): (pathname: string) => Promise<PagePreview | null> {
  return async (pathname) => {
    const match = GALLERY_ITEM.exec(pathname);
    if (match) {
      try {
        const item = await galleryItem(deps, match[1]!.toLowerCase(), {
          mediaTtlSeconds: PREVIEW_MEDIA_TTL_SECONDS,
        });
        const image = item.outputs.find((o) => o.kind === 'image' && o.url);
        return {
          title: clip(item.prompt ?? item.modelName, 90),
          description: `${item.modelName} · by ${item.authorName} · on the Atelier gallery`,
          imageUrl: image?.url ?? null,
          type: 'article',
        };
      } catch (error) {
        if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
        throw error;
      }
    }
    if (pathname === '/gallery' || pathname === '/gallery/') {
      return {
        title: 'Atelier gallery',
        description:
          'Images, video, music, 3D and voice people made with AI models in Discord, Telegram and Slack.',
        imageUrl: null,
      };
    }
    return null;
  };
}
