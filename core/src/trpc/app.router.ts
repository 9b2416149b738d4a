import { adminRouter } from './routers/admin.router';
import { authRouter } from './routers/auth.router';
import { catalogRouter, favoritesRouter } from './routers/catalog.router';
import { creditsRouter } from './routers/credits.router';
import { meRouter } from './routers/me.router';
import { router } from './trpc';

export const appRouter = router({
  me: meRouter,
  credits: creditsRouter,
  catalog: catalogRouter,
  favorites: favoritesRouter,
  auth: authRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
