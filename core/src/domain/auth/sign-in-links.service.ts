import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database';
import type { SignInPurpose } from '../../db/types';
import { AppError } from '../../errors';
import { getSpace, getUser, type Space, type User } from '../accounts/accounts.service';
import { ownedGeneration } from '../generation/generation.service';
import * as repo from './auth.repo';
import { openLinkSession, sha256 } from './auth.service';

/** How long a link a bot hands out works. Short: it signs its holder in without a password. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60 * 1000;

/** Where the web app sends the user after a link is redeemed. */
export const LANDING_PATH: Record<SignInPurpose, string> = { web: '/studio', billing: '/billing' };

/** Why a link was refused; the web page words it and offers to get a new one from the bot. */
export type SignInLinkProblem = 'invalid' | 'used' | 'expired';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Issues a one-time sign-in link for a user a bot acts for, bound to the space the command came from.
 * `spaceAdmin` is the adapter's word that the user administers that space (it lets them buy for its pool).
 * The link opens the web app's `/auth/link` page, which redeems it with a POST: chat apps fetch links
 * to preview them, and a GET that signed in would spend the link before its owner clicked it.
 */
export async function createSignInLink(
  deps: { db: Db; baseUrl: string },
  input: {
    userId: string;
    space: Space | null;
    spaceAdmin: boolean;
    purpose: SignInPurpose;
    /** A generation of this user to open in the studio ("Continue on web"); NOT_FOUND for anyone else's. */
    generationId?: string | undefined;
  },
): Promise<{ url: string; expiresAt: Date }> {
  if (input.generationId !== undefined) await ownedGeneration(deps.db, input.userId, input.generationId);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SIGN_IN_LINK_TTL_MS);
  await repo.insertSignInLink(deps.db, {
    token_hash: sha256(token),
    user_id: input.userId,
    space_id: input.space?.id ?? null,
    space_admin: input.space !== null && input.spaceAdmin,
    purpose: input.purpose,
    generation_id: input.generationId ?? null,
    expires_at: expiresAt,
  });
  return { url: `${deps.baseUrl}/auth/link?token=${token}`, expiresAt };
}

export interface RedeemedLink {
  session: { token: string; expiresAt: Date };
  user: User;
  space: Space | null;
  spaceAdmin: boolean;
  /** The page to open next (/billing for a /buy link). */
  redirectTo: string;
}

/**
 * Spends a sign-in link and opens a web session for its user. A link works once and only before it
 * expires; UNAUTHORIZED otherwise, with `details.problem` saying which ('invalid' covers tampering).
 */
export async function redeemSignInLink(db: Db, token: string): Promise<RedeemedLink> {
  if (!TOKEN.test(token)) throw refused('invalid');
  const tokenHash = sha256(token);
  const redeemed = await db.transaction().execute(async (tx) => {
    const link = await repo.consumeSignInLink(tx, tokenHash);
    if (!link) {
      const row = await repo.findSignInLink(tx, tokenHash);
      throw refused(!row ? 'invalid' : row.used_at ? 'used' : 'expired');
    }
    const session = await openLinkSession(tx, {
      userId: link.user_id,
      spaceId: link.space_id,
      spaceAdmin: link.space_admin,
    });
    return { link, session };
  });
  const { link, session } = redeemed;
  return {
    session,
    user: await getUser(db, link.user_id),
    space: link.space_id ? await getSpace(db, link.space_id) : null,
    spaceAdmin: link.space_admin,
    redirectTo: link.generation_id
      ? `${LANDING_PATH.web}?g=${link.generation_id}`
      : LANDING_PATH[link.purpose],
  };
}

const PROBLEM_TEXT: Record<SignInLinkProblem, string> = {
  invalid: 'This sign-in link is not valid. Ask the bot for a new one with /web or /buy.',
  used: 'This sign-in link was already used. Ask the bot for a new one with /web or /buy.',
  expired: 'This sign-in link has expired. Ask the bot for a new one with /web or /buy.',
};

function refused(problem: SignInLinkProblem): AppError {
  return new AppError('UNAUTHORIZED', PROBLEM_TEXT[problem], { problem });
}
