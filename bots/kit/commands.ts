/**
 * The command set, once for every platform. `{space}` in a summary or description is replaced by the
 * platform's word for a space (group, server, workspace) where it is shown.
 */
import type { CommandName, CommandSpec, OptionSpec } from './command-spec';

export const CATEGORIES = ['image', 'video', 'music', '3d', 'audio'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The id people type: the 8 characters shown under a result (a full id works too). */
const generationId = (description: string, required = true): OptionSpec => ({
  name: 'id',
  kind: 'text',
  description,
  required,
  positional: true,
  complete: 'generation',
  needs: 'an id (the 8 characters under the result)',
});

const category: OptionSpec = {
  name: 'category',
  kind: 'choice',
  description: 'Only this kind',
  positional: true,
  choices: CATEGORIES,
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'generate',
    aliases: ['gen', 'imagine'],
    usage:
      '/generate <prompt> [--model flux] [--size 16:9] [--count 2] [--seed 42] [--no "blurry"] [--lora name:0.8]',
    summary: 'Make an image, video, music, 3D model or voice from a prompt',
    visibility: 'public',
    openOptions: true,
    options: [
      {
        name: 'prompt',
        kind: 'text',
        description: 'What to make',
        positional: true,
        rest: true,
        maxLength: 2000,
      },
      {
        name: 'model',
        kind: 'text',
        description: 'Which model (see /models)',
        aliases: ['m'],
        complete: 'model',
        needs: 'a model name (see /models)',
      },
      {
        name: 'size',
        kind: 'text',
        description: 'Size or aspect: 16:9, 9:16, square, 1024x768',
        aliases: ['s', 'aspect', 'ar'],
        needs: 'a size such as 16:9, square or 1024x768',
      },
      { name: 'count', kind: 'int', description: 'How many images', aliases: ['n', 'num'], min: 1, max: 10 },
      {
        name: 'seed',
        kind: 'int',
        description: 'The same seed and prompt give the same picture',
        min: 0,
        max: 2_147_483_647,
      },
      {
        name: 'no',
        kind: 'text',
        description: 'What to keep out (negative prompt)',
        aliases: ['negative', 'neg', 'negative_prompt'],
        needs: 'the things to keep out, e.g. --no "blurry, text"',
      },
      {
        name: 'lora',
        kind: 'text',
        description: 'One of your LoRAs, name:scale (scale 0-2); up to 3, separated by commas',
        complete: 'lora',
        repeat: 3,
        repeatNoun: 'LoRAs',
      },
      {
        name: 'image',
        kind: 'files',
        description: 'An input image (or video or audio) for the model',
        accepts: ['image', 'video', 'audio'],
        max: 1,
      },
      {
        name: 'options',
        kind: 'text',
        description: 'More options of the model, e.g. --num_inference_steps 8',
      },
    ],
  },
  {
    name: 'models',
    aliases: ['model'],
    usage: '/models [image|video|music|3d|audio]',
    summary: 'Models with prices; tap one to make it your default',
    visibility: 'ephemeral',
    options: [category],
  },
  {
    name: 'favorite',
    aliases: ['fav'],
    usage: '/favorite <model>',
    summary: 'Add a model to your favorites (or remove it)',
    visibility: 'ephemeral',
    options: [
      {
        name: 'model',
        kind: 'text',
        description: 'The model',
        required: true,
        positional: true,
        rest: true,
        complete: 'model',
        needs: 'a model, e.g. /favorite sdxl',
      },
    ],
  },
  {
    name: 'credits',
    aliases: ['balance'],
    usage: '/credits',
    summary: 'Your balance, the {space} pool and your usage',
    visibility: 'ephemeral',
    options: [],
  },
  {
    name: 'team',
    aliases: ['usage'],
    usage: '/team | /team cap <credits>|off | /team models <model,...>|all | /team spenders everyone|admins',
    summary: "The {space}'s credit pool: balance, policy and this month's spend",
    visibility: 'ephemeral',
    defaultSubcommand: 'show',
    options: [],
    subcommands: [
      { name: 'show', summary: "The pool's balance, policy and this month's spend", options: [] },
      {
        name: 'cap',
        summary: 'Limit what each member may spend per month (admins)',
        options: [
          {
            name: 'credits',
            kind: 'text',
            description: 'Credits per member per month, or "off"',
            required: true,
            positional: true,
            needs: 'a number of credits, or off',
          },
        ],
      },
      {
        name: 'models',
        summary: 'Which models the pool pays for (admins)',
        options: [
          {
            name: 'models',
            kind: 'text',
            description: 'Models separated by commas, or "all"',
            required: true,
            positional: true,
            rest: true,
            complete: 'model',
            needs: 'models separated by commas, or all',
          },
        ],
      },
      {
        name: 'spenders',
        summary: 'Who may spend from the pool (admins)',
        options: [
          {
            name: 'who',
            kind: 'choice',
            description: 'Everyone, or admins only',
            required: true,
            positional: true,
            choices: ['everyone', 'admins'],
          },
        ],
      },
    ],
  },
  {
    name: 'buy',
    aliases: ['topup'],
    usage: '/buy',
    summary: 'A private link to buy credits',
    visibility: 'ephemeral',
    options: [],
  },
  {
    name: 'web',
    aliases: ['studio'],
    usage: '/web [id]',
    summary: 'A private link that signs you in to the web studio (with an id: opens that result)',
    visibility: 'ephemeral',
    options: [generationId('A result to open on the web', false)],
  },
  {
    name: 'history',
    aliases: ['mine'],
    usage: '/history [page]',
    summary: 'What you made, newest first',
    visibility: 'ephemeral',
    options: [{ name: 'page', kind: 'int', description: 'Which page', positional: true, min: 1, max: 25 }],
  },
  {
    name: 'show',
    aliases: [],
    usage: '/show <id>',
    summary: 'Show one of your generations again',
    visibility: 'public',
    options: [generationId('Which generation')],
  },
  {
    name: 'publish',
    aliases: [],
    usage: '/publish <id>',
    summary: 'Put one of your generations in the public gallery',
    visibility: 'ephemeral',
    options: [generationId('Which generation')],
  },
  {
    name: 'unpublish',
    aliases: [],
    usage: '/unpublish <id>',
    summary: 'Take it out of the gallery',
    visibility: 'ephemeral',
    options: [generationId('Which generation')],
  },
  {
    name: 'delete',
    aliases: [],
    usage: '/delete <id>',
    summary: 'Delete one of your generations for good',
    visibility: 'ephemeral',
    options: [generationId('Which generation')],
  },
  {
    name: 'cancel',
    aliases: ['stop'],
    usage: '/cancel [id]',
    summary: 'Stop a running job; its credits come back',
    visibility: 'ephemeral',
    options: [generationId('Which job (default: your latest running one)', false)],
  },
  {
    name: 'gallery',
    aliases: [],
    usage: '/gallery [image|video|music|3d|audio]',
    summary: 'The newest public gallery items',
    visibility: 'public',
    options: [category],
  },
  {
    name: 'lora',
    aliases: ['loras'],
    usage:
      '/lora train <name> (with 4-40 photos) | /lora list | /lora delete <name> | /lora share <name> on|off',
    summary: 'Train your own style or character (LoRA) and manage them',
    visibility: 'ephemeral',
    defaultSubcommand: 'list',
    options: [],
    subcommands: [
      { name: 'list', summary: 'Your LoRAs and those shared here', options: [] },
      {
        name: 'train',
        summary: 'Train a LoRA from 4-40 photos sent with the command',
        options: [
          {
            name: 'name',
            kind: 'text',
            description: 'Its name',
            required: true,
            positional: true,
            rest: true,
            needs: 'a name',
          },
          {
            name: 'photos',
            kind: 'files',
            description: '4 to 40 photos of the style or character',
            accepts: ['image'],
            min: 4,
            max: 40,
          },
          {
            name: 'trigger',
            kind: 'text',
            description: 'The word that calls it up in prompts',
            aliases: ['trigger_word'],
            needs: 'a word',
          },
          { name: 'steps', kind: 'int', description: 'Training steps', min: 1, max: 10_000 },
        ],
      },
      {
        name: 'delete',
        summary: 'Delete one of your LoRAs',
        options: [
          {
            name: 'name',
            kind: 'text',
            description: 'Which LoRA',
            required: true,
            positional: true,
            rest: true,
            complete: 'lora',
            needs: 'a name',
          },
        ],
      },
      {
        name: 'share',
        summary: 'Share one of your LoRAs with this {space} (or stop)',
        options: [
          {
            name: 'name',
            kind: 'text',
            description: 'Which LoRA',
            required: true,
            positional: true,
            rest: true,
            complete: 'lora',
            needs: 'a name',
          },
          {
            name: 'shared',
            kind: 'switch',
            description: 'On to share, off to stop',
            required: true,
            positional: true,
          },
        ],
      },
    ],
  },
  {
    name: 'link',
    aliases: [],
    usage: '/link [code]',
    summary: 'Link this account with your account on another chat app',
    visibility: 'ephemeral',
    options: [
      { name: 'code', kind: 'text', description: 'A code from your other account', positional: true },
    ],
  },
  {
    name: 'settings',
    aliases: ['config'],
    usage: '/settings [model <name>] [private on|off]',
    summary: 'Your default model and private delivery',
    visibility: 'ephemeral',
    keywordOptions: true,
    options: [
      {
        name: 'model',
        kind: 'text',
        description: 'Your default model',
        complete: 'model',
        needs: 'a model, e.g. /settings model sdxl',
      },
      { name: 'private', kind: 'switch', description: 'Results from shared chats come to you directly' },
    ],
  },
  {
    name: 'help',
    aliases: ['start'],
    usage: '/help [command]',
    summary: 'How to use Atelier',
    visibility: 'ephemeral',
    options: [{ name: 'command', kind: 'text', description: 'One command', positional: true }],
  },
];

const BY_NAME = new Map<string, CommandSpec>();
for (const spec of COMMANDS) {
  BY_NAME.set(spec.name, spec);
  for (const alias of spec.aliases) BY_NAME.set(alias, spec);
}

/** The command a typed name (or alias) means, ignoring case. */
export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name.trim().toLowerCase().replace(/^\//, ''));
}

export function commandSpec(name: CommandName): CommandSpec {
  return BY_NAME.get(name)!;
}

export function usageOf(name: CommandName): string {
  return BY_NAME.get(name)?.usage ?? '/help';
}
