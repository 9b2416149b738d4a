import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, type RouterInputs } from '../lib/api';
import { CATEGORY_LABELS } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { Media } from '../ui/media';
import { Empty, ErrorNotice, Loading } from '../ui/status';

type Category = NonNullable<Exclude<RouterInputs['gallery']['feed'], void>['category']>;
const PAGE_SIZE = 24;

/** The public gallery: approved items, newest first, one category or all, loading more on scroll. */
export function GalleryPage() {
  usePageTitle('Gallery');
  const [params, setParams] = useSearchParams();
  const raw = params.get('category');
  const category = raw && raw in CATEGORY_LABELS ? (raw as Category) : undefined;
  const feed = useInfiniteQuery({
    queryKey: ['gallery.feed', category ?? 'all'],
    queryFn: ({ pageParam }) =>
      api.gallery.feed.query({
        limit: PAGE_SIZE,
        ...(category ? { category } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = feed;
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasNextPage) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { rootMargin: '600px' },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const items = feed.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <h1>Gallery</h1>
      <nav aria-label="Categories" className="chips">
        <Link
          to="/gallery"
          className={!category ? 'chip active' : 'chip'}
          aria-current={!category ? 'page' : undefined}
        >
          All
        </Link>
        {Object.entries(CATEGORY_LABELS).map(([value, label]) => (
          <Link
            key={value}
            to={`/gallery?category=${value}`}
            className={category === value ? 'chip active' : 'chip'}
            aria-current={category === value ? 'page' : undefined}
            onClick={() => setParams({ category: value })}
          >
            {label}
          </Link>
        ))}
      </nav>
      {feed.isPending ? (
        <Loading label="Loading the gallery…" />
      ) : feed.isError ? (
        <ErrorNotice error={feed.error} />
      ) : items.length === 0 ? (
        <Empty>Nothing published here yet.</Empty>
      ) : (
        <ul className="grid gallery-grid" aria-label="Gallery items">
          {items.map((item) => (
            <li key={item.id}>
              <article className="card gallery-card">
                <Media output={item.outputs[0]} label={item.prompt ?? item.modelName} compact />
                <div className="card-body">
                  <h2 className="card-title">
                    <Link to={`/gallery/${item.id}`}>{item.prompt ?? item.modelName}</Link>
                  </h2>
                  <p className="muted small">
                    by {item.authorName} · {item.modelName}
                  </p>
                </div>
              </article>
            </li>
          ))}
        </ul>
      )}
      <div ref={sentinel} />
      {feed.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          onClick={() => feed.fetchNextPage()}
          disabled={feed.isFetchingNextPage}
        >
          {feed.isFetchingNextPage ? 'Loading more…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
