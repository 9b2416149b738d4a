import type { App, MessageShortcut } from '@slack/bolt';
import type { Attachment } from '../kit/kit.types';
import { plainText, type Reply } from '../kit/reply';
import type { SlackWiring } from './slack.adapter';
import type { SlackSource } from './slack-context';
import type { SlackFile } from './slack-input';
import { slackAttachment } from './slack-input';

/** The message shortcut's callback id and the modal's, as the manifest declares them. */
export const USE_AS_INPUT = 'use_as_input';
const PROMPT_BLOCK = 'prompt';
const PROMPT_INPUT = 'text';

/** What the modal carries from the shortcut to its submission (Slack keeps it: private_metadata). */
interface PromptMetadata {
  channel: string;
  thread: string;
  file: SlackFile;
}

type RunCommand = (
  w: SlackWiring,
  src: SlackSource,
  text: string,
  files: readonly Attachment[],
  ack: (reply?: Reply) => Promise<void>,
) => Promise<void>;

/**
 * "Use as input" on a message: takes its image (downloaded later from url_private with the bot
 * token) and asks for the prompt in a modal; submitting it runs `generate` with that image, and the
 * result lands in the message's thread. A typing mistake keeps the modal open with the reason.
 */
export function installUseAsInput(app: App, w: SlackWiring, runCommand: RunCommand): void {
  app.shortcut<MessageShortcut>(USE_AS_INPUT, async ({ ack, shortcut, client, respond }) => {
    await ack();
    const files = (shortcut.message as { files?: SlackFile[] }).files ?? [];
    const image = files.find((f) => f.mimetype?.startsWith('image/'));
    if (!image) {
      await respond({ response_type: 'ephemeral', text: 'That message has no image to use as input.' });
      return;
    }
    const metadata: PromptMetadata = {
      channel: shortcut.channel.id,
      thread: (shortcut.message as { thread_ts?: string }).thread_ts ?? shortcut.message.ts,
      file: {
        id: image.id,
        ...(image.name ? { name: image.name } : {}),
        mimetype: image.mimetype!,
        ...(image.url_private ? { url_private: image.url_private } : {}),
      },
    };
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: {
        type: 'modal',
        callback_id: USE_AS_INPUT,
        private_metadata: JSON.stringify(metadata),
        title: { type: 'plain_text', text: 'Use as input' },
        submit: { type: 'plain_text', text: 'Generate' },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [
          {
            type: 'input',
            block_id: PROMPT_BLOCK,
            label: { type: 'plain_text', text: `What to make from ${image.name ?? 'this image'}` },
            element: {
              type: 'plain_text_input',
              action_id: PROMPT_INPUT,
              multiline: true,
              placeholder: { type: 'plain_text', text: 'as a watercolor --strength 0.6' },
            },
          },
        ],
      },
    });
  });

  app.view(USE_AS_INPUT, async ({ ack, view, body }) => {
    const prompt = view.state.values[PROMPT_BLOCK]?.[PROMPT_INPUT]?.value?.trim() ?? '';
    if (!prompt) {
      await ack({ response_action: 'errors', errors: { [PROMPT_BLOCK]: 'Say what to make from the image' } });
      return;
    }
    const metadata = JSON.parse(view.private_metadata) as PromptMetadata;
    const teamId = body.team?.id ?? view.team_id;
    const src: SlackSource = {
      teamId,
      teamName: await w.directory.teamLabel(teamId),
      channel: metadata.channel,
      threadTs: metadata.thread,
      userId: body.user.id,
      userName: w.directory.personLabel(body.user.id, body.user.name),
      receivedAt: Date.now(),
      requestKey: `slack:view:${view.id}`,
    };
    const token = async () => {
      const client = await w.clients.forTeam(teamId);
      return client.token ?? '';
    };
    const attachment = slackAttachment(metadata.file, { token, ...(w.apiUrl ? { apiUrl: w.apiUrl } : {}) });
    await runCommand(w, src, `generate ${prompt}`, attachment ? [attachment] : [], async (reply) => {
      if (!reply) return ack();
      // Keep the modal open and show what is wrong under the prompt.
      const reason = plainText(reply.text);
      await ack({
        response_action: 'errors',
        errors: { [PROMPT_BLOCK]: reason.slice(0, 150) || 'That did not work' },
      });
    });
  });
}
