import { lazy, Suspense } from 'react';
import type { RouterOutputs } from '../lib/api';

type Output = RouterOutputs['gallery']['feed']['items'][number]['outputs'][number];

// The 3D viewer (Google's <model-viewer>, on three.js) is large: load it only when a 3D item shows.
const ModelViewer = lazy(() => import('./model-viewer'));

interface MediaProps {
  output: Output | undefined;
  /** Alt text and accessible name: the prompt, or what the item is. */
  label: string;
  /** Small previews in grids: no autoplay, no preload of video or audio bytes. */
  compact?: boolean;
}

/** One output of a generation with the player its kind needs. */
export function Media({ output, label, compact = false }: MediaProps) {
  if (!output) return <div className="media media-missing">No output</div>;
  if (output.kind === 'text' || !output.url) {
    return <p className="media media-text">{output.text ?? 'No preview available'}</p>;
  }
  switch (output.kind) {
    case 'image':
      return (
        <img
          className="media"
          src={output.url}
          alt={label}
          loading="lazy"
          decoding="async"
          width={output.width ?? undefined}
          height={output.height ?? undefined}
        />
      );
    case 'video':
      return (
        // biome-ignore lint/a11y/useMediaCaption: generated videos have no speech track to caption
        <video
          className="media"
          src={output.url}
          controls
          preload={compact ? 'none' : 'metadata'}
          aria-label={label}
        />
      );
    case 'audio':
      return (
        <div className="media media-audio">
          {/* biome-ignore lint/a11y/useMediaCaption: generated music and voice come with their prompt as text */}
          <audio src={output.url} controls preload={compact ? 'none' : 'metadata'} aria-label={label} />
        </div>
      );
    case 'model3d':
      return compact ? (
        <div className="media media-3d" role="img" aria-label={`3D model: ${label}`}>
          <span aria-hidden="true">3D</span>
        </div>
      ) : (
        <Suspense fallback={<div className="media media-3d">Loading 3D viewer…</div>}>
          <ModelViewer src={output.url} label={label} />
        </Suspense>
      );
    default:
      return (
        <a className="media media-text" href={output.url}>
          Download {output.kind}
        </a>
      );
  }
}
