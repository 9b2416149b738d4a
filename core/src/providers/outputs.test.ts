import { describe, expect, it } from 'vitest';
import { extractOutputs, nsfwFlags } from './outputs';
import { ProviderRejectedError } from './provider';

describe('extractOutputs', () => {
  it.each([
    {
      name: 'flux images with their size and type',
      path: 'images[].url',
      output: {
        images: [
          { url: 'https://v3.fal.media/a.png', width: 1024, height: 768, content_type: 'image/png' },
          { url: 'https://v3.fal.media/b.jpg', width: 512, height: 512, content_type: 'image/jpeg' },
        ],
        seed: 1,
      },
      files: [
        { url: 'https://v3.fal.media/a.png', contentType: 'image/png', width: 1024, height: 768 },
        { url: 'https://v3.fal.media/b.jpg', contentType: 'image/jpeg', width: 512, height: 512 },
      ],
    },
    {
      name: 'a video object with a file name',
      path: 'video.url',
      output: { video: { url: 'https://v3.fal.media/v.mp4', content_type: 'video/mp4', file_name: 'v.mp4' } },
      files: [{ url: 'https://v3.fal.media/v.mp4', contentType: 'video/mp4', fileName: 'v.mp4' }],
    },
    {
      name: 'an audio file without a content type',
      path: 'audio_file.url',
      output: { audio_file: { url: 'https://v3.fal.media/a.wav' } },
      files: [{ url: 'https://v3.fal.media/a.wav', contentType: null }],
    },
    {
      name: 'a 3D mesh',
      path: 'model_mesh.url',
      output: { model_mesh: { url: 'https://v3.fal.media/m.glb', content_type: 'model/gltf-binary' } },
      files: [{ url: 'https://v3.fal.media/m.glb', contentType: 'model/gltf-binary' }],
    },
    {
      name: 'nested arrays fan out',
      path: 'batches[].images[].url',
      output: {
        batches: [
          { images: [{ url: 'https://x/1' }, { url: 'https://x/2' }] },
          { images: [{ url: 'https://x/3' }] },
        ],
      },
      files: [
        { url: 'https://x/1', contentType: null },
        { url: 'https://x/2', contentType: null },
        { url: 'https://x/3', contentType: null },
      ],
    },
    {
      name: 'an array of bare URLs',
      path: 'urls[]',
      output: { urls: ['https://x/1', 'https://x/2'] },
      files: [
        { url: 'https://x/1', contentType: null },
        { url: 'https://x/2', contentType: null },
      ],
    },
    {
      name: 'junk entries are skipped, good ones kept',
      path: 'images[].url',
      output: { images: [null, { url: '' }, { nope: 1 }, { url: 'https://x/ok', width: -3, height: 'big' }] },
      files: [{ url: 'https://x/ok', contentType: null }],
    },
  ])('$name', ({ path, output, files }) => {
    const extracted = extractOutputs(output, path);
    expect(extracted.files).toEqual(files);
    expect(extracted.text).toBeNull();
  });

  it('reads a Whisper transcript as text', () => {
    expect(extractOutputs({ text: '  hello world ', chunks: [] }, 'text')).toEqual({
      files: [],
      text: 'hello world',
    });
  });

  it.each([
    { name: 'null output', output: null, path: 'images[].url' },
    { name: 'a string output', output: 'oops', path: 'video.url' },
    { name: 'an empty images list', output: { images: [] }, path: 'images[].url' },
    { name: 'the wrong key', output: { image: { url: 'https://x' } }, path: 'images[].url' },
    { name: 'a video without url', output: { video: { content_type: 'video/mp4' } }, path: 'video.url' },
    {
      name: 'not an array where [] is expected',
      output: { images: { url: 'https://x' } },
      path: 'images[].url',
    },
    { name: 'an empty transcript', output: { text: '   ' }, path: 'text' },
    { name: 'a non-string transcript', output: { text: 42 }, path: 'text' },
  ])('refuses $name with "The model returned no output"', ({ output, path }) => {
    let caught: unknown;
    try {
      extractOutputs(output, path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProviderRejectedError);
    expect((caught as Error).message).toBe('The model returned no output');
  });

  it('rejects a malformed path as a programming error', () => {
    expect(() => extractOutputs({}, 'images..url')).toThrow(/Invalid output path/);
  });
});

describe('nsfwFlags', () => {
  it.each([
    {
      name: 'has_nsfw_concepts per image',
      output: { has_nsfw_concepts: [false, true] },
      flags: [false, true],
    },
    { name: 'nsfw_content_detected list', output: { nsfw_content_detected: [true] }, flags: [true] },
    { name: 'a single boolean', output: { nsfw_content_detected: true }, flags: [true] },
    {
      name: 'non-boolean entries count as false',
      output: { has_nsfw_concepts: ['yes', 1, null] },
      flags: [false, false, false],
    },
    { name: 'no flags at all', output: { images: [] }, flags: [] },
    { name: 'not an object', output: null, flags: [] },
  ])('$name', ({ output, flags }) => {
    expect(nsfwFlags(output)).toEqual(flags);
  });

  it('pads to the number of outputs with false, and spreads a single boolean', () => {
    expect(nsfwFlags({}, 2)).toEqual([false, false]);
    expect(nsfwFlags({ has_nsfw_concepts: [true] }, 3)).toEqual([true, false, false]);
    expect(nsfwFlags({ has_nsfw_concepts: [true, false, true] }, 2)).toEqual([true, false]);
    expect(nsfwFlags({ nsfw_content_detected: true }, 2)).toEqual([true, true]);
  });
});
