import { adminRouter } from './routers/admin.router';
import { authRouter } from './routers/auth.router';
import { billingRouter } from './routers/billing.router';
import { catalogRouter, favoritesRouter } from './routers/catalog.router';
import { creditsRouter } from './routers/credits.router';
import { galleryRouter } from './routers/gallery.router';
import { deliveriesRouter, generationsRouter } from './routers/generations.router';
import { historyRouter } from './routers/history.router';
import { loraRouter } from './routers/lora.router';
import { meRouter } from './routers/me.router';
import { moderationRouter } from './routers/moderation.router';
import { slackRouter } from './routers/slack.router';
import { teamRouter } from './routers/team.router';
import { uploadsRouter } from './routers/uploads.router';
import { publicProcedure, router } from './trpc';

export const appRouter = router({
  /** Answers at once: a client's check that it reaches the API through the same stack as any call. */
  ping: publicProcedure.query(() => 'pong' as const),
  me: meRouter,
  credits: creditsRouter,
  catalog: catalogRouter,
  favorites: favoritesRouter,
  auth: authRouter,
  admin: adminRouter,
  billing: billingRouter,
  generations: generationsRouter,
  deliveries: deliveriesRouter,
  history: historyRouter,
  gallery: galleryRouter,
  moderation: moderationRouter,
  uploads: uploadsRouter,
  loras: loraRouter,
  slack: slackRouter,
  team: teamRouter,
});

export type AppRouter = typeof appRouter;
