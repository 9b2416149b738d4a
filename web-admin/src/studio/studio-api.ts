import { type AppRouter, transformer } from '@atelier/core/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { useEffect } from 'react';
import { api, type RouterOutputs } from '../lib/api';

export type StudioModel = RouterOutputs['catalog']['list'][number];
export type ModelField = StudioModel['fields'][number];
export type Generation = RouterOutputs['generations']['get'];
export type HistoryPage = RouterOutputs['history']['list'];
export type Credits = RouterOutputs['credits']['balance'];
export type Category = StudioModel['category'];

export const DEFAULT_MODEL = 'fal-ai/flux-1/schnell';
export const ACTIVE_STATUSES: ReadonlySet<Generation['status']> = new Set([
  'queued',
  'submitted',
  'processing',
]);

/**
 * Server-sent events for the progress stream: the browser's EventSource sends the session cookie
 * (same origin) and needs no CSRF header, since a subscription only reads.
 */
const streams = createTRPCClient<AppRouter>({
  links: [httpSubscriptionLink({ url: '/trpc', transformer })],
});

export const studioKeys = {
  models: ['studio', 'models'] as const,
  credits: ['studio', 'credits'] as const,
  history: (category: Category | 'all') => ['studio', 'history', category] as const,
  historyAll: ['studio', 'history'] as const,
  generation: (id: string) => ['studio', 'generation', id] as const,
};

export function useModels() {
  return useQuery({
    queryKey: studioKeys.models,
    queryFn: () => api.catalog.list.query({}),
    staleTime: 60_000,
  });
}

export function useCredits() {
  return useQuery({ queryKey: studioKeys.credits, queryFn: () => api.credits.balance.query() });
}

/**
 * One generation, kept live while it runs: the progress stream replaces the cached view on every
 * change (queue position, percent, the end); at the end, history and credits are refetched.
 */
export function useGeneration(id: string | null) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: studioKeys.generation(id ?? 'none'),
    queryFn: () => api.generations.get.query({ id: id! }),
    enabled: id !== null,
  });
  const running = query.data !== undefined && ACTIVE_STATUSES.has(query.data.status);
  useEffect(() => {
    if (!id || !running) return;
    const subscription = streams.generations.progress.subscribe(
      { id },
      {
        onData: (view) => {
          client.setQueryData(studioKeys.generation(id), view);
          if (!ACTIVE_STATUSES.has(view.status)) {
            void client.invalidateQueries({ queryKey: studioKeys.historyAll });
            void client.invalidateQueries({ queryKey: studioKeys.credits });
          }
        },
        onError: () => void client.invalidateQueries({ queryKey: studioKeys.generation(id) }),
      },
    );
    return () => subscription.unsubscribe();
  }, [id, running, client]);
  return query;
}
