import type { Generation } from './studio-api';

const STATUS: Record<Generation['status'], { label: string; tone: string }> = {
  queued: { label: 'Queued', tone: 'badge-warn' },
  submitted: { label: 'Queued', tone: 'badge-warn' },
  processing: { label: 'Running', tone: 'badge-warn' },
  succeeded: { label: 'Done', tone: 'badge-ok' },
  failed: { label: 'Failed', tone: 'badge-error' },
  cancelled: { label: 'Cancelled', tone: '' },
};

export function StatusBadge({ status }: { status: Generation['status'] }) {
  const { label, tone } = STATUS[status] ?? { label: status, tone: '' };
  return <span className={`badge ${tone}`}>{label}</span>;
}
