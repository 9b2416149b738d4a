import { ProviderRejectedError } from './provider';

/**
 * Reading a model's result JSON: where its files are (per the catalog's `outputPath`) and whether the
 * provider flagged them NSFW. Works the same for fal results and the demo provider's look-alikes.
 */

export interface OutputFile {
  url: string;
  contentType: string | null;
  width?: number;
  height?: number;
  fileName?: string;
}

export interface ExtractedOutputs {
  files: OutputFile[];
  /** The transcript (or other text) for text outputs such as Whisper; null for file outputs. */
  text: string | null;
}

interface PathSegment {
  key: string;
  each: boolean;
}

function parsePath(outputPath: string): PathSegment[] {
  const segments = outputPath.split('.').map((part) => {
    const each = part.endsWith('[]');
    return { key: each ? part.slice(0, -2) : part, each };
  });
  if (segments.length === 0 || segments.some((s) => s.key === '')) {
    throw new Error(`Invalid output path: ${JSON.stringify(outputPath)}`);
  }
  return segments;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows `segments` from `roots`, fanning out over arrays marked `[]`; returns every value reached. */
function walk(roots: unknown[], segments: readonly PathSegment[]): unknown[] {
  let values = roots;
  for (const { key, each } of segments) {
    const next: unknown[] = [];
    for (const value of values) {
      if (!isRecord(value)) continue;
      const child = value[key];
      if (child === undefined || child === null) continue;
      if (each) {
        if (Array.isArray(child)) next.push(...child);
      } else next.push(child);
    }
    values = next;
  }
  return values;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * Finds the output files (or text) of a result following a catalog `outputPath`: a dot path where
 * `[]` means "each element". A path ending in `url`/`urls` (or `*_url`/`*_urls`) names files; their siblings
 * (`content_type`, `width`, `height`, `file_name`) describe them. Any other leaf is text.
 *
 * @throws ProviderRejectedError when the path leads nowhere (the model returned no output).
 */
export function extractOutputs(output: unknown, outputPath: string): ExtractedOutputs {
  const segments = parsePath(outputPath);
  const leaf = segments[segments.length - 1]!;
  const isFile = /(^|_)urls?$/.test(leaf.key);

  if (isFile) {
    const parents = walk([output], segments.slice(0, -1));
    const files: OutputFile[] = [];
    for (const parent of parents) {
      if (!isRecord(parent)) continue;
      const urls = leaf.each
        ? Array.isArray(parent[leaf.key])
          ? (parent[leaf.key] as unknown[])
          : []
        : [parent[leaf.key]];
      for (const candidate of urls) {
        const url = nonEmptyString(candidate);
        if (!url) continue;
        const file: OutputFile = { url, contentType: nonEmptyString(parent.content_type) ?? null };
        const width = positiveInt(parent.width);
        const height = positiveInt(parent.height);
        const fileName = nonEmptyString(parent.file_name);
        if (width !== undefined) file.width = width;
        if (height !== undefined) file.height = height;
        if (fileName !== undefined) file.fileName = fileName;
        files.push(file);
      }
    }
    if (files.length === 0) throw new ProviderRejectedError('The model returned no output');
    return { files, text: null };
  }

  const texts = walk([output], segments).filter((v): v is string => typeof v === 'string');
  const text = texts.join('\n').trim();
  if (text === '') throw new ProviderRejectedError('The model returned no output');
  return { files: [], text };
}

/**
 * The provider's NSFW verdict per output: fal's `has_nsfw_concepts` (one boolean per image) or
 * `nsfw_content_detected` (a boolean or a list). Missing entries count as not flagged. With `count`,
 * the list is padded (or cut) to that many outputs; a single boolean applies to all of them.
 */
export function nsfwFlags(output: unknown, count?: number): boolean[] {
  const raw = isRecord(output) ? (output.has_nsfw_concepts ?? output.nsfw_content_detected) : undefined;
  let flags: boolean[];
  if (Array.isArray(raw)) flags = raw.map((v) => v === true);
  else if (typeof raw === 'boolean') flags = Array.from({ length: Math.max(1, count ?? 1) }, () => raw);
  else flags = [];
  if (count === undefined) return flags;
  return Array.from({ length: count }, (_, i) => flags[i] ?? false);
}
