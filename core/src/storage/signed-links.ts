import type { ObjectStore } from './object-store';

/** Links kept per store; the oldest go first beyond this. */
const MAX_LINKS = 50_000;

/**
 * Signed media links, handed out again while they have long enough to live. A history or gallery
 * page shows a link for every output; signing anew on every view costs an HMAC (a SigV4 presign on
 * S3) per output and gives browsers a different URL each time, so they fetch the same image again.
 * A link is signed for half as long again as asked and reused for as long as it still has the asked
 * lifetime left, so every link handed out is valid for at least `ttlSeconds`.
 *
 * Revoking media moves it to a new key (see `revokeOutputLinks`): a link kept here for the old key
 * answers 404 like every other copy of it, and the new key gets links of its own.
 */
export class SignedLinks {
  private static readonly perStore = new WeakMap<ObjectStore, SignedLinks>();

  static for(storage: ObjectStore): SignedLinks {
    let links = SignedLinks.perStore.get(storage);
    if (!links) {
      links = new SignedLinks(storage);
      SignedLinks.perStore.set(storage, links);
    }
    return links;
  }

  private readonly links = new Map<string, { url: string; expiresAt: number }>();

  constructor(
    private readonly storage: ObjectStore,
    private readonly maxLinks = MAX_LINKS,
  ) {}

  /** A GET link to `key` valid for at least `ttlSeconds` from now. */
  async get(key: string, ttlSeconds: number): Promise<string> {
    const now = Date.now();
    const id = `${ttlSeconds}:${key}`;
    const kept = this.links.get(id);
    if (kept && kept.expiresAt - now >= ttlSeconds * 1000) return kept.url;
    const lifetime = Math.ceil(ttlSeconds * 1.5);
    const url = await this.storage.signedGetUrl(key, { expiresInSeconds: lifetime });
    this.links.delete(id);
    this.links.set(id, { url, expiresAt: now + lifetime * 1000 });
    if (this.links.size > this.maxLinks) this.links.delete(this.links.keys().next().value!);
    return url;
  }
}
