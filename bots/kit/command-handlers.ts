import {
  buyCommand,
  creditsCommand,
  favoriteCommand,
  linkCommand,
  settingsCommand,
} from './account.commands';
import { cancelCommand } from './cancel.command';
import { type CommandHandler, commandHandler, textValue } from './command-handler';
import { helpLines } from './command-menus';
import type { CommandName } from './command-spec';
import { generateCommand } from './generate.command';
import {
  deleteGeneration,
  galleryCommand,
  historyCommand,
  libraryCommand,
  publishGeneration,
  showCommand,
  unpublishGeneration,
} from './library.commands';
import { loraCommand } from './lora.commands';
import { modelsCommand } from './models.command';
import { say } from './reply';
import { teamCommand } from './team.commands';
import { webCommand } from './web.command';

const helpCommand = commandHandler({
  parse: (parsed) => ({ topic: textValue(parsed, 'command') }),
  async run(_rt, ctx, args) {
    await ctx.reply(say(helpLines(args.topic || undefined, ctx.traits).join('\n')));
  },
});

/** What each command does; the data about it (options, visibility, summary) is in commands.ts. */
// biome-ignore lint/suspicious/noExplicitAny: each handler parses its own argument type
export const HANDLERS: Record<CommandName, CommandHandler<any>> = {
  generate: generateCommand,
  models: modelsCommand,
  favorite: favoriteCommand,
  credits: creditsCommand,
  team: teamCommand,
  buy: buyCommand,
  web: webCommand,
  history: historyCommand,
  show: showCommand,
  publish: libraryCommand(publishGeneration),
  unpublish: libraryCommand(unpublishGeneration),
  delete: libraryCommand(deleteGeneration),
  cancel: cancelCommand,
  gallery: galleryCommand,
  lora: loraCommand,
  link: linkCommand,
  settings: settingsCommand,
  help: helpCommand,
};
