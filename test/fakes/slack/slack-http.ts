import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';

// Wire helpers shared by the fake's routes. The Web API takes form-encoded, JSON or multipart bodies
// (and query parameters); whatever the encoding, values that are objects arrive as JSON strings.

export type Params = Record<string, string>;

export interface UploadedPart {
  filename: string;
  mimeType: string;
  bytes: Buffer;
}

export interface ParsedRequest {
  params: Params;
  /** Files of a multipart body, in order. */
  parts: UploadedPart[];
  raw: Buffer;
}

export async function readRaw(req: IncomingMessage, maxBytes = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseMultipart(
  req: IncomingMessage,
  raw: Buffer,
): Promise<{ params: Params; parts: UploadedPart[] }> {
  return new Promise((resolve, reject) => {
    const params: Params = {};
    const parts: UploadedPart[] = [];
    const parser = busboy({ headers: req.headers });
    parser.on('field', (name, value) => {
      params[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        parts.push({ filename: info.filename ?? '', mimeType: info.mimeType, bytes: Buffer.concat(chunks) }),
      );
    });
    parser.on('close', () => resolve({ params, parts }));
    parser.on('error', reject);
    parser.end(raw);
  });
}

/** Query string plus body, whichever encoding the client chose. */
export async function parseRequest(req: IncomingMessage): Promise<ParsedRequest> {
  const url = new URL(req.url ?? '/', 'http://fake.slack');
  const params: Params = Object.fromEntries(url.searchParams);
  const raw = await readRaw(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  let parts: UploadedPart[] = [];
  if (type.startsWith('application/json') && raw.length > 0) {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(body)) {
      if (value !== undefined && value !== null)
        params[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  } else if (type.startsWith('multipart/form-data')) {
    const multipart = await parseMultipart(req, raw);
    Object.assign(params, multipart.params);
    parts = multipart.parts;
  } else if (raw.length > 0) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  }
  return { params, parts, raw };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Params = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Params = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** A JSON-string parameter (`blocks`, `view`, `files`), or undefined when absent or not JSON. */
export function jsonParam<T>(params: Params, name: string): T | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

/** The bearer token of a request: Authorization header first, then a `token` parameter. */
export function bearerToken(req: IncomingMessage, params: Params): string | undefined {
  const header = req.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  return params.token || undefined;
}
