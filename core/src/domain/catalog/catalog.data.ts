import type { CatalogModel, ModelField, TrainingModel } from './catalog.types';

/**
 * The models Atelier ships with. Endpoint ids and input field names are fal's own (checked against
 * the fal model pages and the endpoint types of @fal-ai/client). Limits are the fal limits or a
 * tighter subset of them, so anything that passes our schema is accepted by fal.
 *
 * Prices: 1 credit ≈ $0.01, set at or slightly above fal's list price. Fields fal offers but users
 * should not steer from chat (enable_safety_checker, sync_mode, webhooks...) are left out on purpose.
 */

export const DEFAULT_MODEL_ID = 'fal-ai/flux-1/schnell';

/**
 * The models behind a finished image's follow-up buttons. Each takes the image as `image_url`; Vary
 * also takes the original prompt and a strength (see followUpGeneration).
 */
export const FOLLOW_UP_MODELS = {
  animate: 'fal-ai/stable-video',
  make3d: 'fal-ai/trellis',
  upscale: 'fal-ai/clarity-upscaler',
  vary: 'fal-ai/flux/dev/image-to-image',
} as const;

export type FollowUpKind = keyof typeof FOLLOW_UP_MODELS;

/** fal's preset names for `image_size` (it also takes `{ width, height }`, which we do not offer). */
export const IMAGE_SIZES = [
  'square_hd',
  'square',
  'portrait_4_3',
  'portrait_16_9',
  'landscape_4_3',
  'landscape_16_9',
] as const;

/** Languages fal's Whisper endpoint accepts for `language` (ISO 639-1, plus 'haw'). */
// biome-ignore format: one long list reads better packed
const WHISPER_LANGUAGES = [
  'af', 'am', 'ar', 'as', 'az', 'ba', 'be', 'bg', 'bn', 'bo', 'br', 'bs', 'ca', 'cs', 'cy', 'da', 'de', 'el',
  'en', 'es', 'et', 'eu', 'fa', 'fi', 'fo', 'fr', 'gl', 'gu', 'ha', 'haw', 'he', 'hi', 'hr', 'ht', 'hu', 'hy',
  'id', 'is', 'it', 'ja', 'jw', 'ka', 'kk', 'km', 'kn', 'ko', 'la', 'lb', 'ln', 'lo', 'lt', 'lv', 'mg', 'mi',
  'mk', 'ml', 'mn', 'mr', 'ms', 'mt', 'my', 'ne', 'nl', 'nn', 'no', 'oc', 'pa', 'pl', 'ps', 'pt', 'ro', 'ru',
  'sa', 'sd', 'si', 'sk', 'sl', 'sn', 'so', 'sq', 'sr', 'su', 'sv', 'sw', 'ta', 'te', 'tg', 'th', 'tk', 'tl',
  'tr', 'tt', 'uk', 'ur', 'uz', 'vi', 'yi', 'yo', 'zh',
] as const;

// ---- shared field builders -------------------------------------------------------------------

function prompt(maxLength: number, description = 'What to generate.'): ModelField {
  return { name: 'prompt', type: 'text', label: 'Prompt', required: true, maxLength, description };
}

function negativePrompt(maxLength: number, defaultValue?: string): ModelField {
  return {
    name: 'negative_prompt',
    type: 'text',
    label: 'Negative prompt',
    maxLength,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    description: 'What to keep out of the result.',
  };
}

function imageSize(name: string, defaultValue?: (typeof IMAGE_SIZES)[number]): ModelField {
  return {
    name,
    type: 'enum',
    label: 'Size',
    options: IMAGE_SIZES,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  };
}

function numImages(max = 4): ModelField {
  return { name: 'num_images', type: 'int', label: 'Number of images', min: 1, max, default: 1 };
}

function steps(min: number, max: number, defaultValue: number): ModelField {
  return {
    name: 'num_inference_steps',
    type: 'int',
    label: 'Steps',
    min,
    max,
    default: defaultValue,
    description: 'More steps: slower, often more detailed.',
  };
}

function guidance(min: number, max: number, defaultValue: number): ModelField {
  return {
    name: 'guidance_scale',
    type: 'number',
    label: 'Guidance',
    min,
    max,
    default: defaultValue,
    description: 'How strictly to follow the prompt.',
  };
}

const SEED: ModelField = {
  name: 'seed',
  type: 'int',
  label: 'Seed',
  min: 0,
  max: 2_147_483_647,
  description: 'Same seed + same input gives the same result.',
};

const FLUX_OUTPUT_FORMAT: ModelField = {
  name: 'output_format',
  type: 'enum',
  label: 'Format',
  options: ['jpeg', 'png'],
  default: 'jpeg',
};

function imageFile(name: string, label: string, required: boolean, description?: string): ModelField {
  return { name, type: 'file', label, required, fileKind: 'image', ...(description ? { description } : {}) };
}

// ---- field sets shared by sibling endpoints ---------------------------------------------------

function fluxDevFields(): ModelField[] {
  return [
    prompt(2000),
    imageSize('image_size', 'landscape_4_3'),
    steps(1, 50, 28),
    guidance(1, 20, 3.5),
    numImages(),
    SEED,
    FLUX_OUTPUT_FORMAT,
  ];
}

function pikaFields(): ModelField[] {
  return [
    { name: 'duration', type: 'enum', label: 'Duration (s)', options: ['5', '10'], default: '5' },
    { name: 'resolution', type: 'enum', label: 'Resolution', options: ['720p', '1080p'], default: '720p' },
    SEED,
  ];
}

function veo3Fields(): ModelField[] {
  return [
    prompt(2000, 'Describe the shot; dialogue and sounds can be written into the prompt.'),
    negativePrompt(1000),
    { name: 'aspect_ratio', type: 'enum', label: 'Aspect ratio', options: ['16:9', '9:16'], default: '16:9' },
    { name: 'duration', type: 'enum', label: 'Duration', options: ['4s', '6s', '8s'], default: '8s' },
    { name: 'resolution', type: 'enum', label: 'Resolution', options: ['720p', '1080p'], default: '720p' },
    {
      name: 'generate_audio',
      type: 'bool',
      label: 'Generate audio',
      default: true,
      description: 'Sound and speech with the video; off is cheaper.',
    },
    SEED,
  ];
}

// ---- the catalog ------------------------------------------------------------------------------

export const MODEL_CATALOG: readonly CatalogModel[] = [
  // ---------------------------------------------------------------- image
  {
    id: 'fal-ai/flux-1/schnell',
    endpoint: 'fal-ai/flux-1/schnell',
    category: 'image',
    name: 'FLUX.1 [schnell]',
    description: 'Very fast, good-looking images from a text prompt; the default for quick ideas.',
    aliases: ['flux', 'schnell', 'flux-schnell'],
    fields: [
      prompt(2000),
      imageSize('image_size', 'landscape_4_3'),
      steps(1, 12, 4),
      numImages(),
      SEED,
      FLUX_OUTPUT_FORMAT,
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    // fal: $0.003 per megapixel; a 1024x768 image is ~$0.0024.
    price: { kind: 'per_output', credits: 1, countField: 'num_images' },
    enabled: true,
  },
  {
    id: 'fal-ai/flux/dev',
    endpoint: 'fal-ai/flux/dev',
    category: 'image',
    name: 'FLUX.1 [dev]',
    description: 'High-quality, detailed images from a text prompt; slower than schnell.',
    aliases: ['flux-dev', 'dev'],
    fields: fluxDevFields(),
    fileInputs: [],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    // fal: $0.025 per megapixel.
    price: { kind: 'per_output', credits: 3, countField: 'num_images' },
    enabled: true,
  },
  {
    id: 'fal-ai/flux-lora',
    endpoint: 'fal-ai/flux-lora',
    category: 'image',
    name: 'FLUX.1 [dev] with LoRAs',
    description: "FLUX.1 [dev] images in your community's trained styles or characters (LoRAs).",
    aliases: ['flux-lora', 'lora'],
    fields: fluxDevFields(),
    fileInputs: [],
    acceptsLoras: true,
    output: 'images',
    outputPath: 'images[].url',
    // fal: $0.035 per megapixel.
    price: { kind: 'per_output', credits: 4, countField: 'num_images' },
    enabled: true,
  },
  {
    id: 'fal-ai/flux/dev/image-to-image',
    endpoint: 'fal-ai/flux/dev/image-to-image',
    category: 'image',
    name: 'FLUX.1 [dev] image-to-image',
    description: 'Redraws an image you upload following your prompt.',
    aliases: ['flux-img2img', 'img2img', 'flux-i2i'],
    fields: [
      imageFile('image_url', 'Source image', true),
      prompt(2000),
      {
        name: 'strength',
        type: 'number',
        label: 'Strength',
        min: 0.01,
        max: 1,
        default: 0.95,
        description: 'Near 1 repaints freely; lower keeps more of the source image.',
      },
      steps(10, 50, 40),
      guidance(1, 20, 3.5),
      numImages(),
      SEED,
      FLUX_OUTPUT_FORMAT,
    ],
    fileInputs: ['image_url'],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    // fal: $0.03 per megapixel.
    price: { kind: 'per_output', credits: 3, countField: 'num_images' },
    enabled: true,
  },
  {
    id: 'fal-ai/fast-sdxl',
    endpoint: 'fal-ai/fast-sdxl',
    category: 'image',
    name: 'Stable Diffusion XL',
    description: 'Classic Stable Diffusion XL images, fast and cheap, with negative prompts.',
    aliases: ['sdxl', 'stable-diffusion', 'sd'],
    fields: [
      prompt(2000),
      negativePrompt(2000, ''),
      imageSize('image_size', 'square_hd'),
      steps(1, 50, 25),
      guidance(0, 20, 7.5),
      numImages(),
      SEED,
      // SDXL endpoints call the output format `format`, not `output_format`.
      { name: 'format', type: 'enum', label: 'Format', options: ['jpeg', 'png'], default: 'jpeg' },
      {
        name: 'expand_prompt',
        type: 'bool',
        label: 'Expand prompt',
        default: false,
        description: 'Let the model add detail to a short prompt.',
      },
    ],
    fileInputs: [],
    // fal takes SDXL LoRAs here; our trainer makes FLUX LoRAs, so they cannot be used.
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    // fal: ~$0.0025 per image.
    price: { kind: 'per_output', credits: 1, countField: 'num_images' },
    enabled: true,
  },
  {
    // fal hosts no DALL-E 3 endpoint (OpenAI has retired DALL-E 3); GPT Image 1 is OpenAI's model on fal.
    id: 'fal-ai/gpt-image-1/text-to-image',
    endpoint: 'fal-ai/gpt-image-1/text-to-image',
    category: 'image',
    name: 'GPT Image 1 (OpenAI)',
    description:
      "OpenAI's image model (DALL-E 3's successor): follows complex instructions and writes text well.",
    aliases: ['gpt-image', 'openai', 'dalle', 'dall-e'],
    fields: [
      prompt(2000),
      {
        name: 'image_size',
        type: 'enum',
        label: 'Size',
        options: ['1024x1024', '1536x1024', '1024x1536'],
        default: '1024x1024',
      },
      {
        name: 'quality',
        type: 'enum',
        label: 'Quality',
        options: ['low', 'medium', 'high'],
        default: 'medium',
      },
      {
        name: 'background',
        type: 'enum',
        label: 'Background',
        options: ['auto', 'transparent', 'opaque'],
        default: 'auto',
      },
      numImages(),
      {
        name: 'output_format',
        type: 'enum',
        label: 'Format',
        options: ['jpeg', 'png', 'webp'],
        default: 'png',
      },
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    // fal, per image: low $0.011-0.016, medium $0.042-0.063, high $0.167-0.25 (+ prompt tokens).
    price: {
      kind: 'per_output',
      credits: 7,
      countField: 'num_images',
      adjustments: [
        { field: 'quality', equals: 'low', factor: 0.3 },
        { field: 'quality', equals: 'high', factor: 3.6 },
      ],
    },
    enabled: true,
  },
  {
    id: 'fal-ai/sdxl-controlnet-union',
    endpoint: 'fal-ai/sdxl-controlnet-union',
    category: 'image',
    name: 'SDXL ControlNet Union',
    description: 'SDXL images that follow the edges, depth or pose of an image you upload.',
    aliases: ['controlnet', 'sdxl-controlnet'],
    fields: [
      prompt(2000),
      negativePrompt(2000, ''),
      imageFile('canny_image_url', 'Edges image', false, 'Keep the outlines of this image.'),
      imageFile('depth_image_url', 'Depth image', false, 'Keep the depth layout of this image.'),
      imageFile('openpose_image_url', 'Pose image', false, 'Keep the body pose in this image.'),
      {
        name: 'controlnet_conditioning_scale',
        type: 'number',
        label: 'Control strength',
        min: 0,
        max: 1,
        default: 0.5,
      },
      // No default: fal then takes the size from the control image.
      imageSize('image_size'),
      steps(1, 50, 35),
      guidance(0, 20, 7.5),
      numImages(),
      SEED,
    ],
    fileInputs: ['canny_image_url', 'depth_image_url', 'openpose_image_url'],
    requireOneOf: ['canny_image_url', 'depth_image_url', 'openpose_image_url'],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'images[].url',
    price: { kind: 'per_output', credits: 2, countField: 'num_images' },
    enabled: true,
  },
  {
    // Behind the Upscale button. Field names and limits from fal's model page (fal-ai/clarity-upscaler).
    id: 'fal-ai/clarity-upscaler',
    endpoint: 'fal-ai/clarity-upscaler',
    category: 'image',
    name: 'Clarity Upscaler',
    description: 'Enlarges an image up to 4x and sharpens its detail.',
    aliases: ['upscale', 'clarity', 'upscaler'],
    fields: [
      // fal's own prompt default ("masterpiece, best quality, highres") guides the added detail.
      imageFile('image_url', 'Image', true),
      { name: 'upscale_factor', type: 'number', label: 'Upscale factor', min: 1, max: 4, default: 2 },
      negativePrompt(2000, '(worst quality, low quality, normal quality:2)'),
      {
        name: 'creativity',
        type: 'number',
        label: 'Creativity',
        min: 0,
        max: 1,
        default: 0.35,
        description: 'Higher invents more new detail.',
      },
      {
        name: 'resemblance',
        type: 'number',
        label: 'Resemblance',
        min: 0,
        max: 1,
        default: 0.6,
        description: 'Higher stays closer to the original.',
      },
      guidance(0, 20, 4),
      steps(4, 50, 18),
      SEED,
    ],
    fileInputs: ['image_url'],
    acceptsLoras: false,
    output: 'images',
    outputPath: 'image.url',
    // fal: $0.03 per output megapixel; priced for a 1-megapixel source (4 MP at 2x), scaled by the factor².
    price: {
      kind: 'flat',
      credits: 12,
      adjustments: [
        { field: 'upscale_factor', equals: 1, factor: 0.25 },
        { field: 'upscale_factor', equals: 3, factor: 2.25 },
        { field: 'upscale_factor', equals: 4, factor: 4 },
      ],
    },
    enabled: true,
  },

  // ---------------------------------------------------------------- video
  {
    id: 'fal-ai/fast-animatediff/text-to-video',
    endpoint: 'fal-ai/fast-animatediff/text-to-video',
    category: 'video',
    name: 'AnimateDiff',
    description: 'Short, stylised animated loops from a text prompt.',
    aliases: ['animatediff', 'animate'],
    fields: [
      prompt(1000),
      negativePrompt(1000, '(bad quality, worst quality:1.2), ugly faces, bad anime'),
      { name: 'num_frames', type: 'int', label: 'Frames', min: 8, max: 32, default: 16 },
      { name: 'fps', type: 'int', label: 'Frames per second', min: 1, max: 16, default: 8 },
      steps(1, 50, 25),
      guidance(0, 20, 7.5),
      imageSize('video_size', 'square'),
      SEED,
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    price: { kind: 'flat', credits: 3 },
    enabled: true,
  },
  {
    id: 'fal-ai/stable-video',
    endpoint: 'fal-ai/stable-video',
    category: 'video',
    name: 'Stable Video Diffusion',
    description: 'Brings an image you upload to life as a few seconds of video.',
    aliases: ['svd', 'stable-video'],
    fields: [
      imageFile('image_url', 'Start image', true),
      {
        name: 'motion_bucket_id',
        type: 'int',
        label: 'Motion',
        min: 1,
        max: 255,
        default: 127,
        description: 'Higher means more movement.',
      },
      {
        name: 'cond_aug',
        type: 'number',
        label: 'Noise',
        min: 0,
        max: 1,
        default: 0.02,
        description: 'Higher drifts further from the start image.',
      },
      { name: 'fps', type: 'int', label: 'Frames per second', min: 10, max: 30, default: 25 },
      SEED,
    ],
    fileInputs: ['image_url'],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    price: { kind: 'flat', credits: 8 },
    enabled: true,
  },
  {
    id: 'fal-ai/pika/v2.2/text-to-video',
    endpoint: 'fal-ai/pika/v2.2/text-to-video',
    category: 'video',
    name: 'Pika 2.2',
    description: 'Pika video clips of 5 or 10 seconds from a text prompt.',
    aliases: ['pika'],
    fields: [
      prompt(1500),
      negativePrompt(1000, 'ugly, bad, terrible'),
      {
        name: 'aspect_ratio',
        type: 'enum',
        label: 'Aspect ratio',
        options: ['16:9', '9:16', '1:1', '4:5', '5:4', '3:2', '2:3'],
        default: '16:9',
      },
      ...pikaFields(),
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    // ~$0.20 per 5 s at 720p, ~$0.45 at 1080p.
    price: {
      kind: 'per_second',
      credits: 4,
      durationField: 'duration',
      adjustments: [{ field: 'resolution', equals: '1080p', factor: 2.25 }],
    },
    enabled: true,
  },
  {
    id: 'fal-ai/pika/v2.2/image-to-video',
    endpoint: 'fal-ai/pika/v2.2/image-to-video',
    category: 'video',
    name: 'Pika 2.2 image-to-video',
    description: 'Animates an image you upload into a 5 or 10 second Pika clip.',
    aliases: ['pika-i2v', 'pika-image'],
    fields: [
      imageFile('image_url', 'First frame', true),
      prompt(1500, 'How the image should move.'),
      negativePrompt(1000, ''),
      ...pikaFields(),
    ],
    fileInputs: ['image_url'],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    price: {
      kind: 'per_second',
      credits: 4,
      durationField: 'duration',
      adjustments: [{ field: 'resolution', equals: '1080p', factor: 2.25 }],
    },
    enabled: true,
  },
  {
    id: 'fal-ai/veo3',
    endpoint: 'fal-ai/veo3',
    category: 'video',
    name: 'Google Veo 3',
    description: "Google's top video model: cinematic clips up to 8 seconds, with sound and speech.",
    aliases: ['veo', 'veo3'],
    fields: veo3Fields(),
    fileInputs: [],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    // $0.40 per second with audio, $0.20 without (fal's current Veo 3.x rate).
    price: {
      kind: 'per_second',
      credits: 40,
      durationField: 'duration',
      adjustments: [{ field: 'generate_audio', equals: false, factor: 0.5 }],
    },
    enabled: true,
  },
  {
    id: 'fal-ai/veo3/fast',
    endpoint: 'fal-ai/veo3/fast',
    category: 'video',
    name: 'Google Veo 3 Fast',
    description: 'A faster, cheaper Veo 3 for drafts; clips up to 8 seconds with sound.',
    aliases: ['veo-fast', 'veo3-fast'],
    fields: veo3Fields(),
    fileInputs: [],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    // fal: $0.15 per second with audio, $0.10 without.
    price: {
      kind: 'per_second',
      credits: 15,
      durationField: 'duration',
      adjustments: [{ field: 'generate_audio', equals: false, factor: 2 / 3 }],
    },
    enabled: true,
  },
  {
    id: 'fal-ai/veo2',
    endpoint: 'fal-ai/veo2',
    category: 'video',
    name: 'Google Veo 2',
    description: "Google's previous video model: realistic 5 to 8 second clips without sound.",
    aliases: ['veo2'],
    fields: [
      prompt(2000),
      negativePrompt(1000),
      {
        name: 'aspect_ratio',
        type: 'enum',
        label: 'Aspect ratio',
        options: ['16:9', '9:16', '1:1'],
        default: '16:9',
      },
      { name: 'duration', type: 'enum', label: 'Duration', options: ['5s', '6s', '7s', '8s'], default: '5s' },
      { name: 'enhance_prompt', type: 'bool', label: 'Enhance prompt', default: true },
      SEED,
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'video',
    outputPath: 'video.url',
    // ~$0.50 per second.
    price: { kind: 'per_second', credits: 50, durationField: 'duration' },
    enabled: true,
  },

  // ---------------------------------------------------------------- music
  {
    id: 'fal-ai/stable-audio',
    endpoint: 'fal-ai/stable-audio',
    category: 'music',
    name: 'Stable Audio Open',
    description: 'Instrumental music, loops and sound effects up to 47 seconds from a description.',
    aliases: ['stable-audio', 'sfx', 'loop'],
    fields: [
      prompt(500, 'Describe the sound, e.g. "128 BPM tech house drum loop".'),
      { name: 'seconds_total', type: 'int', label: 'Length (s)', min: 1, max: 47, default: 30 },
      { name: 'steps', type: 'int', label: 'Steps', min: 10, max: 100, default: 100 },
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'audio',
    outputPath: 'audio_file.url',
    price: { kind: 'flat', credits: 3 },
    enabled: true,
  },
  {
    id: 'fal-ai/minimax-music/v2',
    endpoint: 'fal-ai/minimax-music/v2',
    category: 'music',
    name: 'MiniMax Music 2.0',
    description: 'Full songs with singing: give a style and the lyrics.',
    aliases: ['minimax', 'song', 'minimax-music'],
    fields: [
      {
        name: 'prompt',
        type: 'text',
        label: 'Style',
        required: true,
        minLength: 10,
        maxLength: 300,
        description: 'Genre, mood and setting, e.g. "upbeat synth-pop, female vocals, summer night".',
      },
      {
        name: 'lyrics_prompt',
        type: 'text',
        label: 'Lyrics',
        required: true,
        minLength: 10,
        maxLength: 3000,
        description: 'One line per line; tags like [Verse], [Chorus], [Bridge] shape the song.',
      },
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'audio',
    outputPath: 'audio.url',
    price: { kind: 'flat', credits: 5 },
    enabled: true,
  },

  // ---------------------------------------------------------------- 3d
  {
    id: 'fal-ai/trellis',
    endpoint: 'fal-ai/trellis',
    category: '3d',
    name: 'TRELLIS (image to 3D)',
    description: 'Turns a picture of an object into a textured 3D model (GLB).',
    aliases: ['trellis', 'image-to-3d'],
    fields: [
      imageFile('image_url', 'Object image', true),
      {
        name: 'texture_size',
        type: 'enum',
        label: 'Texture size',
        options: ['512', '1024', '2048'],
        default: '1024',
      },
      {
        name: 'ss_guidance_strength',
        type: 'number',
        label: 'Shape guidance',
        min: 0,
        max: 10,
        default: 7.5,
      },
      { name: 'ss_sampling_steps', type: 'int', label: 'Shape steps', min: 1, max: 50, default: 12 },
      {
        name: 'slat_guidance_strength',
        type: 'number',
        label: 'Detail guidance',
        min: 0,
        max: 10,
        default: 3,
      },
      { name: 'slat_sampling_steps', type: 'int', label: 'Detail steps', min: 1, max: 50, default: 12 },
      {
        name: 'mesh_simplify',
        type: 'number',
        label: 'Mesh simplification',
        min: 0.9,
        max: 0.98,
        default: 0.95,
      },
      SEED,
    ],
    fileInputs: ['image_url'],
    acceptsLoras: false,
    output: 'model3d',
    outputPath: 'model_mesh.url',
    // fal: $0.02 per generation.
    price: { kind: 'flat', credits: 2 },
    enabled: true,
  },
  {
    id: 'fal-ai/hunyuan3d/v2',
    endpoint: 'fal-ai/hunyuan3d/v2',
    category: '3d',
    name: 'Hunyuan3D 2.0 (image to 3D)',
    description: 'Detailed 3D models from a picture; plain or textured mesh.',
    aliases: ['hunyuan3d', 'hunyuan'],
    fields: [
      imageFile('input_image_url', 'Object image', true),
      {
        name: 'textured_mesh',
        type: 'bool',
        label: 'Textured',
        default: false,
        description: 'Add colour textures (costs 3x).',
      },
      steps(1, 50, 50),
      guidance(0, 20, 7.5),
      { name: 'octree_resolution', type: 'int', label: 'Resolution', min: 64, max: 1024, default: 256 },
      SEED,
    ],
    fileInputs: ['input_image_url'],
    acceptsLoras: false,
    output: 'model3d',
    outputPath: 'model_mesh.url',
    // fal: $0.16 per generation, 3x for a textured mesh.
    price: { kind: 'flat', credits: 16, adjustments: [{ field: 'textured_mesh', equals: true, factor: 3 }] },
    enabled: true,
  },
  {
    id: 'fal-ai/hunyuan3d-v3/text-to-3d',
    endpoint: 'fal-ai/hunyuan3d-v3/text-to-3d',
    category: '3d',
    name: 'Hunyuan3D 3.0 (text to 3D)',
    description: 'A 3D model (GLB) straight from a text description.',
    aliases: ['text-to-3d', 'hunyuan3d-v3'],
    fields: [
      prompt(1024, 'Describe the object.'),
      {
        name: 'generate_type',
        type: 'enum',
        label: 'Style',
        options: ['Normal', 'LowPoly', 'Geometry'],
        default: 'Normal',
        description: 'Normal: textured. LowPoly: fewer polygons. Geometry: untextured shape.',
      },
      { name: 'enable_pbr', type: 'bool', label: 'PBR materials', default: false },
      { name: 'face_count', type: 'int', label: 'Faces', min: 40_000, max: 1_500_000, default: 500_000 },
      {
        name: 'polygon_type',
        type: 'enum',
        label: 'Polygons',
        options: ['triangle', 'quadrilateral'],
        default: 'triangle',
        description: 'Only used with the LowPoly style.',
      },
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'model3d',
    outputPath: 'model_glb.url',
    price: { kind: 'flat', credits: 40 },
    enabled: true,
  },

  // ---------------------------------------------------------------- audio & voice
  {
    id: 'fal-ai/elevenlabs/tts/multilingual-v2',
    endpoint: 'fal-ai/elevenlabs/tts/multilingual-v2',
    category: 'audio',
    name: 'ElevenLabs Multilingual v2',
    description: 'Natural narration of your text in 29 languages with ElevenLabs voices.',
    aliases: ['elevenlabs', 'eleven', 'tts', 'narrate'],
    fields: [
      {
        name: 'text',
        type: 'text',
        label: 'Text',
        required: true,
        maxLength: 5000,
        description: 'What to say.',
      },
      {
        name: 'voice',
        type: 'text',
        label: 'Voice',
        maxLength: 100,
        default: 'Rachel',
        description: 'A voice name such as Rachel, Aria or Roger, or an ElevenLabs voice id.',
      },
      { name: 'stability', type: 'number', label: 'Stability', min: 0, max: 1, default: 0.5 },
      { name: 'similarity_boost', type: 'number', label: 'Similarity', min: 0, max: 1, default: 0.75 },
      { name: 'style', type: 'number', label: 'Style exaggeration', min: 0, max: 1, default: 0 },
      { name: 'speed', type: 'number', label: 'Speed', min: 0.7, max: 1.2, default: 1 },
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'audio',
    outputPath: 'audio.url',
    // ~$0.10 per 1,000 characters.
    price: { kind: 'per_1k_chars', credits: 10, textField: 'text' },
    enabled: true,
  },
  {
    // PlayHT shut its API down at the end of 2025 and @fal-ai/client no longer lists this endpoint:
    // kept for existing references, disabled.
    id: 'fal-ai/playai/tts/v3',
    endpoint: 'fal-ai/playai/tts/v3',
    category: 'audio',
    name: 'PlayHT TTS v3',
    description: 'Fast text-to-speech with PlayHT voices in many languages.',
    aliases: ['playht', 'playai'],
    fields: [
      {
        name: 'input',
        type: 'text',
        label: 'Text',
        required: true,
        maxLength: 5000,
        description: 'What to say.',
      },
      {
        name: 'voice',
        type: 'text',
        label: 'Voice',
        maxLength: 100,
        default: 'Jennifer (English (US)/American)',
      },
      SEED,
    ],
    fileInputs: [],
    acceptsLoras: false,
    output: 'audio',
    outputPath: 'audio.url',
    price: { kind: 'per_1k_chars', credits: 5, textField: 'input' },
    enabled: false,
  },
  {
    id: 'fal-ai/f5-tts',
    endpoint: 'fal-ai/f5-tts',
    category: 'audio',
    name: 'F5-TTS voice cloning',
    description: 'Reads your text in the voice of a short audio sample you upload.',
    aliases: ['f5', 'f5-tts', 'voice-clone'],
    fields: [
      {
        name: 'gen_text',
        type: 'text',
        label: 'Text',
        required: true,
        maxLength: 5000,
        description: 'What to say.',
      },
      {
        name: 'ref_audio_url',
        type: 'file',
        label: 'Voice sample',
        required: true,
        fileKind: 'audio',
        description: 'A clean recording of the voice, ideally 5-15 seconds.',
      },
      {
        name: 'ref_text',
        type: 'text',
        label: 'Sample transcript',
        maxLength: 1000,
        description: 'What is said in the sample; transcribed automatically if left out.',
      },
      {
        name: 'model_type',
        type: 'enum',
        label: 'Model',
        required: true,
        options: ['F5-TTS', 'E2-TTS'],
        default: 'F5-TTS',
      },
      { name: 'remove_silence', type: 'bool', label: 'Remove silences', default: true },
    ],
    fileInputs: ['ref_audio_url'],
    acceptsLoras: false,
    output: 'audio',
    outputPath: 'audio_url.url',
    // fal: $0.05 per 1,000 characters.
    price: { kind: 'per_1k_chars', credits: 5, textField: 'gen_text' },
    enabled: true,
  },
  {
    id: 'fal-ai/whisper',
    endpoint: 'fal-ai/whisper',
    category: 'audio',
    name: 'Whisper',
    description: 'Turns an uploaded recording into text, or translates it into English.',
    aliases: ['whisper', 'transcribe', 'stt'],
    fields: [
      {
        name: 'audio_url',
        type: 'file',
        label: 'Recording',
        required: true,
        fileKind: 'audio',
        description: 'mp3, mp4, mpeg, mpga, m4a, wav or webm.',
      },
      {
        name: 'task',
        type: 'enum',
        label: 'Task',
        options: ['transcribe', 'translate'],
        default: 'transcribe',
        description: 'translate gives English text.',
      },
      {
        name: 'language',
        type: 'enum',
        label: 'Language',
        options: WHISPER_LANGUAGES,
        description: 'Spoken language; detected automatically if left out.',
      },
      {
        name: 'chunk_level',
        type: 'enum',
        label: 'Timestamps',
        options: ['none', 'segment', 'word'],
        default: 'segment',
      },
      { name: 'diarize', type: 'bool', label: 'Tell speakers apart', default: false },
      { name: 'num_speakers', type: 'int', label: 'Speakers', min: 1, max: 20 },
    ],
    fileInputs: ['audio_url'],
    acceptsLoras: false,
    output: 'text',
    outputPath: 'text',
    price: { kind: 'flat', credits: 2 },
    enabled: true,
  },
];

/**
 * FLUX LoRA trainer, used by the LoRA flow (not a user-facing model). Input is a zip of images; the
 * result is LoRA weights usable with `fal-ai/flux-lora`. fal bills $2 per 1,000 steps, linear in
 * steps, so steps are capped at 1,000 to keep the flat price honest.
 */
export const LORA_TRAINING_MODEL: TrainingModel = {
  id: 'fal-ai/flux-lora-fast-training',
  endpoint: 'fal-ai/flux-lora-fast-training',
  name: 'FLUX LoRA fast training',
  description: 'Trains a FLUX LoRA (a style, person or object) from a zip of example images.',
  fields: [
    {
      name: 'images_data_url',
      type: 'file',
      label: 'Training images (zip)',
      required: true,
      fileKind: 'archive',
      description: 'A zip with at least 4 images; optional same-name .txt captions.',
    },
    {
      name: 'trigger_word',
      type: 'text',
      label: 'Trigger word',
      maxLength: 50,
      description: 'Word that calls up the LoRA in prompts.',
    },
    { name: 'steps', type: 'int', label: 'Steps', min: 1, max: 1000, default: 1000 },
    {
      name: 'is_style',
      type: 'bool',
      label: 'Style LoRA',
      default: false,
      description: 'Train a style (turns off auto-captioning and masks).',
    },
    { name: 'create_masks', type: 'bool', label: 'Use segmentation masks', default: true },
  ],
  fileInputs: ['images_data_url'],
  output: 'lora',
  outputPath: 'diffusers_lora_file.url',
  price: { kind: 'flat', credits: 200 },
  enabled: true,
};
