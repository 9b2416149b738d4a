import { useQuery } from '@tanstack/react-query';
import { Navigate, useSearchParams } from 'react-router';
import { api, type RouterOutputs } from '../lib/api';
import { CATEGORY_LABELS, formatDay, formatNumber } from '../lib/format';
import { isAdmin, useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { BarChart, LineChart } from '../ui/charts';
import { ErrorNotice, Loading } from '../ui/status';

type Dashboard = RouterOutputs['admin']['dashboard'];

const RANGES = [7, 30, 90] as const;
const STATUS_COLORS: Record<string, string> = {
  succeeded: 'var(--chart-3)',
  failed: 'var(--chart-2)',
  cancelled: 'var(--chart-5)',
  queued: 'var(--chart-4)',
  submitted: 'var(--chart-1)',
  processing: 'var(--chart-1)',
};

/** Admins land on the dashboard; moderators, who see no money figures, on the moderation queue. */
export function StaffHome() {
  const session = useSession();
  return isAdmin(session.data) ? <DashboardPage /> : <Navigate to="/admin/moderation" replace />;
}

function formatAge(seconds: number | null): string {
  if (seconds === null) return 'none waiting';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${formatNumber(Math.round(seconds / 3600))} h`;
}

function generationBars(d: Dashboard) {
  const statuses = [...new Set(d.generations.map((g) => g.status))];
  return Object.entries(CATEGORY_LABELS).map(([category, label]) => ({
    label,
    segments: statuses.map((status) => ({
      name: status,
      value: d.generations
        .filter((g) => g.category === category && g.status === status)
        .reduce((sum, g) => sum + g.count, 0),
      color: STATUS_COLORS[status] ?? 'var(--chart-4)',
    })),
  }));
}

export function DashboardPage() {
  usePageTitle('Dashboard');
  const [params, setParams] = useSearchParams();
  const days = RANGES.find((r) => String(r) === params.get('days')) ?? 30;
  const dashboard = useQuery({
    queryKey: ['admin.dashboard', days],
    queryFn: () => api.admin.dashboard.query({ days }),
    refetchInterval: 60_000,
  });
  return (
    <div className="page">
      <div className="toolbar">
        <h1 style={{ margin: 0 }}>Dashboard</h1>
        <label className="inline-field" style={{ marginLeft: 'auto' }}>
          Period{' '}
          <select value={days} onChange={(e) => setParams({ days: e.target.value })}>
            {RANGES.map((r) => (
              <option key={r} value={r}>
                Last {r} days
              </option>
            ))}
          </select>
        </label>
      </div>
      {dashboard.isPending ? (
        <Loading />
      ) : dashboard.isError ? (
        <ErrorNotice error={dashboard.error} />
      ) : (
        <DashboardCharts d={dashboard.data} />
      )}
    </div>
  );
}

function DashboardCharts({ d }: { d: Dashboard }) {
  const labels = d.days.map((day) => formatDay(`${day}T12:00:00Z`));
  const totals = d.credits.reduce((t, c) => ({ sold: t.sold + c.sold, spent: t.spent + c.spent }), {
    sold: 0,
    spent: 0,
  });
  const failed = d.failureRate.reduce((n, f) => n + f.failed, 0);
  const finished = d.failureRate.reduce((n, f) => n + f.finished, 0);
  return (
    <>
      <section className="stats" aria-label="Totals for the period">
        <div className="stat">
          <span className="stat-label">Credits sold</span>
          <span className="stat-value">{formatNumber(totals.sold)}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Credits spent</span>
          <span className="stat-value">{formatNumber(totals.spent)}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Failure rate</span>
          <span className="stat-value">
            {finished > 0 ? `${((failed / finished) * 100).toFixed(1)}%` : '—'}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">In the queue now</span>
          <span className="stat-value" data-testid="queue-depth">
            {formatNumber(d.queue.depth)}
          </span>
          <span className="muted small">oldest: {formatAge(d.queue.oldestAgeSeconds)}</span>
        </div>
      </section>
      <div className="charts">
        <LineChart
          title="Credits sold and spent per day"
          labels={labels}
          series={[
            { name: 'Sold', values: d.credits.map((c) => c.sold), color: 'var(--chart-1)' },
            { name: 'Spent', values: d.credits.map((c) => c.spent), color: 'var(--chart-2)' },
            { name: 'Granted', values: d.credits.map((c) => c.granted), color: 'var(--chart-3)' },
            { name: 'Refunded', values: d.credits.map((c) => c.refunded), color: 'var(--chart-4)' },
          ]}
        />
        <BarChart title="Generations per category, by status" bars={generationBars(d)} />
        <LineChart
          title="Failure rate per day"
          labels={labels}
          unit="%"
          format={(v) => (Math.round(v * 10) / 10).toString()}
          series={[
            {
              name: 'Failed',
              values: d.failureRate.map((f) => (f.rate === null ? 0 : f.rate * 100)),
              color: 'var(--chart-2)',
            },
          ]}
        />
        <BarChart
          title="Queue now, by status"
          bars={d.queue.byStatus.map((s) => ({
            label: s.status,
            segments: [
              { name: 'Generations', value: s.count, color: STATUS_COLORS[s.status] ?? 'var(--chart-1)' },
            ],
          }))}
        />
      </div>
    </>
  );
}
