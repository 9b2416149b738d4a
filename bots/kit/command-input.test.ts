import { describe, expect, it } from 'vitest';
import { layoutActions, pagedChoices } from './action-layout';
import { parseCommandText, parseCommandValues } from './command-input';
import { commandMenu, discordCommands, discordInput, helpLines } from './command-menus';
import { COMMANDS, commandSpec } from './commands';
import { generateArgsOf } from './generate-args';
import type { Attachment } from './kit.types';
import { UsageError } from './parse-args';
import { CONSOLE_TRAITS, DISCORD_TRAITS, SLACK_TRAITS, TELEGRAM_TRAITS } from './platform-traits';
import { type ActionRow, button } from './reply';

const photo = (n = 1): Attachment[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'image', url: async () => `https://cdn.example/${i}.png` }));

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('text and typed input give the same arguments', () => {
  const generate = commandSpec('generate');

  it('/generate: words and --options, or Discord-style values', () => {
    const typed = generateArgsOf(
      parseCommandValues(generate, {
        values: {
          prompt: 'a red fox',
          model: 'flux',
          size: '16:9',
          count: 2,
          seed: 42,
          no: 'blurry, text',
          lora: 'mystyle:0.8, other',
          options: '--num_inference_steps 8',
        },
      }),
    );
    const text = generateArgsOf(
      parseCommandText(
        generate,
        'a red fox --model flux --size 16:9 --count 2 --seed 42 --no "blurry, text" --lora mystyle:0.8 --lora other --num_inference_steps 8',
      ),
    );
    expect(typed).toEqual(text);
    expect(text).toMatchObject({
      prompt: 'a red fox',
      loras: [
        { name: 'mystyle', scale: 0.8 },
        { name: 'other', scale: 1 },
      ],
      fields: [{ name: 'num_inference_steps', value: '8' }],
    });
  });

  it('subcommands: /team cap 100 and {subcommand: cap, values: {credits: "100"}}', () => {
    const team = commandSpec('team');
    const text = parseCommandText(team, 'cap 100');
    const typed = parseCommandValues(team, { subcommand: 'cap', values: { credits: '100' } });
    expect(typed).toEqual(text);
    expect(text).toMatchObject({ subcommand: 'cap', values: { credits: '100' } });
    expect(parseCommandText(team, '').subcommand).toBe('show');
    expect(parseCommandText(team, 'spenders admins').values).toEqual({ who: 'admins' });
    expect(usage(() => parseCommandText(team, 'spenders nobody'))).toBe(
      'The who is one of: everyone, admins',
    );
    expect(usage(() => parseCommandText(team, 'frobnicate'))).toBe('There is no /team frobnicate');
  });

  it('a positional rest option leaves the words after it to later positionals: /lora share my style on', () => {
    const lora = commandSpec('lora');
    expect(parseCommandText(lora, 'share my style on').values).toEqual({ name: 'my style', shared: true });
    expect(parseCommandText(lora, 'share my style off').values).toEqual({ name: 'my style', shared: false });
    expect(parseCommandText(lora, '').subcommand).toBe('list');
  });

  it('keyword options: /settings model sdxl private on', () => {
    expect(parseCommandText(commandSpec('settings'), 'model sdxl private on').values).toEqual({
      model: 'sdxl',
      private: true,
    });
    expect(usage(() => parseCommandText(commandSpec('settings'), 'colour blue'))).toBe(
      '/settings takes no "colour"',
    );
  });

  it('files are counted against the spec: LoRA training takes 4 to 40 photos', () => {
    const lora = commandSpec('lora');
    expect(usage(() => parseCommandText(lora, 'train my style', photo(2)))).toBe(
      'This needs 4 to 40 photos sent with the command; I got 2',
    );
    expect(parseCommandText(lora, 'train my style', photo(5)).files).toHaveLength(5);
    // A file on a command that takes none (the message replied to had a photo) is simply not used.
    expect(parseCommandText(commandSpec('help'), '', photo(1)).files).toEqual([]);
  });

  it('typing mistakes are refused before anything runs', () => {
    expect(usage(() => parseCommandText(commandSpec('history'), 'two'))).toBe(
      'The page needs a whole number',
    );
    expect(usage(() => parseCommandText(commandSpec('history'), '99'))).toBe(
      'The page must be between 1 and 25',
    );
    expect(usage(() => parseCommandText(commandSpec('show'), ''))).toBe(
      'Give an id (the 8 characters under the result)',
    );
    expect(usage(() => parseCommandText(commandSpec('credits'), '--verbose'))).toBe(
      '/credits has no option --verbose',
    );
    expect(usage(() => parseCommandValues(generate, { values: { count: 1.5 } }))).toBe(
      '--count needs a whole number',
    );
  });
});

describe('menus and registration from the one list', () => {
  it('every summary fits Discord (100 characters) and names the platform’s space', () => {
    for (const spec of COMMANDS) expect(spec.summary.length).toBeLessThanOrEqual(100);
    expect(commandMenu(TELEGRAM_TRAITS).find((c) => c.command === 'credits')?.description).toBe(
      'Your balance, the group pool and your usage',
    );
    expect(commandMenu(DISCORD_TRAITS).find((c) => c.command === 'credits')?.description).toBe(
      'Your balance, the server pool and your usage',
    );
    expect(helpLines(undefined, SLACK_TRAITS).join('\n')).toContain("/team - The workspace's credit pool");
  });

  it('Discord commands: valid names, required options first, subcommands, autocomplete and attachments', () => {
    const commands = discordCommands(DISCORD_TRAITS);
    expect(commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const command of commands) {
      expect(command.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(100);
      const groups =
        command.options[0]?.type === 1 ? command.options.map((o) => o.options ?? []) : [command.options];
      for (const options of groups) {
        expect(options.length).toBeLessThanOrEqual(25);
        const firstOptional = options.findIndex((o) => !o.required);
        if (firstOptional >= 0) expect(options.slice(firstOptional).every((o) => !o.required)).toBe(true);
      }
    }
    const gen = commands.find((c) => c.name === 'generate')!;
    expect(gen.options.find((o) => o.name === 'model')).toMatchObject({ type: 3, autocomplete: true });
    expect(gen.options.find((o) => o.name === 'count')).toMatchObject({
      type: 4,
      min_value: 1,
      max_value: 10,
    });
    expect(gen.options.find((o) => o.name === 'image')).toMatchObject({ type: 11 });
    const train = commands.find((c) => c.name === 'lora')!.options.find((o) => o.name === 'train')!;
    expect(train.options!.filter((o) => o.type === 11 && o.required).map((o) => o.name)).toEqual([
      'photos1',
      'photos2',
      'photos3',
      'photos4',
    ]);
  });

  it('Discord interaction options flatten into the typed input the kit parses', () => {
    const input = discordInput([
      {
        type: 1,
        name: 'cap',
        options: [{ type: 3, name: 'credits', value: '250' }],
      },
    ]);
    expect(input).toEqual({ subcommand: 'cap', values: { credits: '250' } });
    expect(parseCommandValues(commandSpec('team'), input).values).toEqual({ credits: '250' });
  });
});

describe('actions within the platform’s limits', () => {
  const many = Array.from({ length: 60 }, (_, i) => ({ label: `Model ${i}`, action: `m:model-${i}` }));

  it.each([
    ['Telegram', TELEGRAM_TRAITS],
    ['Discord', DISCORD_TRAITS],
    ['Slack', SLACK_TRAITS],
    ['console', CONSOLE_TRAITS],
  ] as const)(
    'a 60-model picker on %s: never more rows or buttons than allowed, every model reachable',
    (_, traits) => {
      const seen = new Set<string>();
      let page = 1;
      for (;;) {
        const paged = pagedChoices(many, {
          page,
          traits,
          placeholder: 'Pick',
          pageAction: (p) => `mp:*:${p}`,
        });
        const rows = layoutActions(paged.rows, traits);
        expect(rows.length).toBeLessThanOrEqual(traits.maxActionRows);
        for (const row of rows) {
          const isSelect = row[0]?.type === 'select';
          if (isSelect) expect(row).toHaveLength(1);
          else expect(row.length).toBeLessThanOrEqual(traits.maxActionsPerRow);
          for (const action of row) {
            if (action.type === 'select') {
              expect(action.options.length).toBeLessThanOrEqual(traits.maxSelectOptions);
              for (const o of action.options) seen.add(o.action);
            } else if (action.type === 'button' && action.action.startsWith('m:')) seen.add(action.action);
          }
        }
        if (paged.page >= paged.pages) break;
        page++;
      }
      expect(seen.size).toBe(60);
    },
  );

  it('selects become buttons where there are none, long rows split, too-long actions dropped', () => {
    const rows: ActionRow[] = [
      [button('a', 'a'), button('b', 'b'), button('c', 'c'), button('d', 'd'), button('e', 'e')],
      [
        {
          type: 'select',
          placeholder: 'x',
          options: [
            { label: 'one', action: '1' },
            { label: 'two', action: '2' },
          ],
        },
      ],
      [button('long', 'x'.repeat(65))],
    ];
    const laid = layoutActions(rows, TELEGRAM_TRAITS);
    expect(
      laid.map((r) => r.map((a) => (a.type === 'link' ? a.url : a.type === 'button' ? a.label : '?'))),
    ).toEqual([['a', 'b', 'c', 'd'], ['e'], ['one', 'two']]);
    expect(layoutActions(rows, DISCORD_TRAITS)[1]?.[0]?.type).toBe('select');
  });
});
