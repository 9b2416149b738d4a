/** The command set, once for every platform: names, aliases, usage lines and the help text. */

export type CommandName =
  | 'generate'
  | 'models'
  | 'favorite'
  | 'credits'
  | 'buy'
  | 'history'
  | 'show'
  | 'publish'
  | 'unpublish'
  | 'delete'
  | 'gallery'
  | 'lora'
  | 'link'
  | 'settings'
  | 'help';

export interface CommandSpec {
  name: CommandName;
  aliases: readonly string[];
  usage: string;
  /** One line for menus (Telegram's setMyCommands: at most 256 characters). */
  summary: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'generate',
    aliases: ['gen', 'imagine'],
    usage:
      '/generate <prompt> [--model flux] [--size 16:9] [--count 2] [--seed 42] [--no "blurry"] [--lora name:0.8]',
    summary: 'Make an image, video, music, 3D model or voice from a prompt',
  },
  {
    name: 'models',
    aliases: ['model'],
    usage: '/models [image|video|music|3d|audio]',
    summary: 'Models with prices; tap one to make it your default',
  },
  {
    name: 'favorite',
    aliases: ['fav'],
    usage: '/favorite <model>',
    summary: 'Add a model to your favorites (or remove it)',
  },
  {
    name: 'credits',
    aliases: ['balance'],
    usage: '/credits',
    summary: 'Your balance, the group pool and your usage',
  },
  { name: 'buy', aliases: ['topup'], usage: '/buy', summary: 'A private link to buy credits' },
  { name: 'history', aliases: ['mine'], usage: '/history [page]', summary: 'What you made, newest first' },
  { name: 'show', aliases: [], usage: '/show <id>', summary: 'Show one of your generations again' },
  {
    name: 'publish',
    aliases: [],
    usage: '/publish <id>',
    summary: 'Put one of your generations in the public gallery',
  },
  { name: 'unpublish', aliases: [], usage: '/unpublish <id>', summary: 'Take it out of the gallery' },
  { name: 'delete', aliases: [], usage: '/delete <id>', summary: 'Delete one of your generations for good' },
  {
    name: 'gallery',
    aliases: [],
    usage: '/gallery [image|video|music|3d|audio]',
    summary: 'The newest public gallery items',
  },
  {
    name: 'lora',
    aliases: ['loras'],
    usage:
      '/lora train <name> (send it as the caption of 4-40 photos) | /lora list | /lora delete <name> | /lora share <name> on|off',
    summary: 'Train your own style or character (LoRA) and manage them',
  },
  {
    name: 'link',
    aliases: [],
    usage: '/link [code]',
    summary: 'Link this account with your account on another chat app',
  },
  {
    name: 'settings',
    aliases: ['config'],
    usage: '/settings [model <name>] [private on|off]',
    summary: 'Your default model and private delivery',
  },
  { name: 'help', aliases: ['start'], usage: '/help [command]', summary: 'How to use Atelier' },
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

export function usageOf(name: CommandName): string {
  return BY_NAME.get(name)?.usage ?? '/help';
}

/** Command menu entries (name + summary) for platforms that register commands. */
export function commandMenu(): { command: string; description: string }[] {
  return COMMANDS.map((c) => ({ command: c.name, description: c.summary }));
}

const GENERATE_HELP = [
  'Options for /generate (also /gen, /imagine), anywhere after the command:',
  '  --model <name>      which model (see /models), e.g. --model sdxl',
  '  --size <size>       16:9, 9:16, 4:3, square, landscape_16_9 or 1024x768',
  '  --count <n>         how many images',
  '  --seed <n>          the same seed and prompt give the same picture',
  '  --no "<words>"      what to keep out (negative prompt)',
  '  --lora <name>:<scale>  one of your LoRAs, scale 0-2 (default 1); up to 3',
  '  --<option> <value>  any option of the model by its own name, e.g. --num_inference_steps 8',
  'Attach a photo (or reply to one) to use it as the input image.',
];

/** The whole help text, or one command's usage. */
export function helpLines(topic?: string): string[] {
  const spec = topic ? findCommand(topic) : undefined;
  if (spec?.name === 'generate') return [spec.usage, ...GENERATE_HELP];
  if (spec) return [spec.usage, spec.summary];
  return [
    'Atelier makes images, video, music, 3D and voices with hosted AI models.',
    ...COMMANDS.map((c) => `${c.usage.split(' | ')[0]} - ${c.summary}`),
    '',
    ...GENERATE_HELP,
    'Ids: the 8-character id under each result works wherever <id> is asked.',
  ];
}
