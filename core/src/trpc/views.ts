import { z } from 'zod';

// Output schemas shared by several routers: what the web app may rely on. Dates are Date objects on the
// server; without a transformer they cross the wire as ISO strings.

export const userView = z.object({
  id: z.uuid(),
  displayName: z.string(),
  role: z.enum(['user', 'moderator', 'admin']),
});

export const spaceView = z.object({
  id: z.uuid(),
  platform: z.enum(['discord', 'telegram', 'slack', 'web', 'console']),
  platformSpaceId: z.string(),
  kind: z.enum(['guild', 'workspace', 'group', 'dm']),
  name: z.string(),
});

export const sessionView = z.object({
  user: userView,
  /** 'password': staff; 'link': a user signed in through a bot's link. */
  kind: z.enum(['password', 'link']),
  space: spaceView.nullable(),
  spaceAdmin: z.boolean(),
  expiresAt: z.date(),
});

export const signInLinkView = z.object({ url: z.string(), expiresAt: z.date() });

export const balanceView = z.object({
  accountId: z.uuid(),
  kind: z.enum(['personal', 'team']),
  available: z.number().int(),
  held: z.number().int(),
});
