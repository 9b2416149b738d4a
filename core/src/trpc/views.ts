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

export const creditPackView = z.object({
  id: z.string(),
  name: z.string(),
  credits: z.number().int(),
  /** In the currency's smallest unit (cents). */
  price: z.number().int(),
  currency: z.string(),
});

export const purchaseView = z.object({
  id: z.uuid(),
  packId: z.string(),
  packName: z.string(),
  credits: z.number().int(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.enum(['open', 'paid', 'expired', 'refunded']),
  account: z.object({ id: z.uuid(), kind: z.enum(['personal', 'team']), spaceName: z.string().nullable() }),
  buyer: z.object({ userId: z.uuid(), name: z.string() }),
  receiptUrl: z.string().nullable(),
  creditsClawedBack: z.number().int(),
  creditsUnrecovered: z.number().int(),
  createdAt: z.date(),
  paidAt: z.date().nullable(),
});

/** A keyset page: pass `nextCursor` back as `cursor`; null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const cursorInput = z.string().min(1).max(200).optional();
