import { describe, expect, it } from 'vitest';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { makeUser } from '../../../test/support/factories';
import { makeGeneration } from '../../../test/support/generations';
import { openGraphFor, withOpenGraph } from './open-graph';

const t = useTestDatabase();
const core = useTestCore(t, { PUBLIC_URL: 'http://atelier.test' });

async function publishedItem(prompt: string, name = 'Nora Painter') {
  const { user, accountId, platformUserId } = await makeUser(t.db, { name, platform: 'discord' });
  const g = await makeGeneration(t.db, core.app.deps.storage, { userId: user.id, accountId, prompt });
  const bot = await core.bot('discord', { userId: platformUserId, userName: name });
  await bot.gallery.publish.mutate({ id: g.id });
  return g.id;
}

const INDEX =
  '<!doctype html><html><head><meta charset="utf-8"><title>Atelier</title></head><body><div id="root"></div></body></html>';

describe('Open Graph tags for shared gallery links', () => {
  it('a gallery item previews with its prompt, model, author and image', async () => {
    const id = await publishedItem('a red fox curled up in fresh snow');
    const og = await openGraphFor(core.app.deps, `/gallery/${id}`);
    expect(og).toMatchObject({
      title: 'a red fox curled up in fresh snow',
      description: 'FLUX.1 [schnell] · by Nora Painter · Atelier gallery',
      url: `http://atelier.test/gallery/${id}`,
      type: 'article',
      image: { type: 'image/png', width: 4, height: 3 },
    });
    const html = withOpenGraph(INDEX, og!);
    expect(html).toContain('<title>a red fox curled up in fresh snow · Atelier</title>');
    expect(html).toContain('<meta property="og:title" content="a red fox curled up in fresh snow">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html.indexOf('og:image')).toBeLessThan(html.indexOf('</head>'));
    // The image link really serves the picture (signed, through core's file route).
    const imageUrl = og!.image!.url.replace('http://atelier.test', core.app.url);
    const image = await fetch(imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('escapes what users wrote, so a prompt cannot inject markup', async () => {
    const id = await publishedItem('"><script>alert(1)</script> & more', 'Eve <b>');
    const html = withOpenGraph(INDEX, (await openGraphFor(core.app.deps, `/gallery/${id}`))!);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('Eve <b>');
    expect(html).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#38; more');
  });

  it('gives nothing for a removed item, an unknown id or another page; the gallery itself has its own', async () => {
    const id = await publishedItem('soon gone');
    const mod = await core.web('moderator');
    await mod.client.moderation.act.mutate({ ids: [id], action: 'remove', reason: 'not allowed here' });
    expect(await openGraphFor(core.app.deps, `/gallery/${id}`)).toBeNull();
    expect(await openGraphFor(core.app.deps, '/gallery/00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await openGraphFor(core.app.deps, '/admin')).toBeNull();
    expect(await openGraphFor(core.app.deps, '/gallery/not-a-uuid')).toBeNull();
    expect(await openGraphFor(core.app.deps, '/gallery')).toMatchObject({
      title: 'Atelier gallery',
      type: 'website',
    });
  });
});
