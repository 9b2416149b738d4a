import '@google/model-viewer';
import { createElement } from 'react';

/** An interactive 3D viewer (orbit with mouse, touch or arrow keys) for a glTF/GLB output. */
export default function ModelViewer({ src, label }: { src: string; label: string }) {
  return createElement('model-viewer', {
    className: 'media media-3d-viewer',
    src,
    alt: label,
    'camera-controls': '',
    'touch-action': 'pan-y',
    'interaction-prompt': 'none',
  });
}
