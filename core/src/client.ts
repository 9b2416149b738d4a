/**
 * `@atelier/core/client`: everything a front end (bots, web app) may take from core. Types of the tRPC
 * router, its inputs and outputs, the error codes, the catalog's field types, the wire transformer
 * and the actor header. Nothing here pulls server code into a client at run time.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './trpc/app.router';

export type { ModelCategory, ModelField } from './domain/catalog/catalog.types';
export { APP_ERROR_CODES, type AppErrorCode } from './errors';
export { ACTOR_HEADER, type ActorHeader, encodeActor, type SpaceKind } from './wire/actor-header';
export { CSRF_HEADER } from './wire/csrf-header';
export { transformer } from './wire/transformer';
export type { AppRouter };

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
