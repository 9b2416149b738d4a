import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, appErrorOf, type RouterInputs } from '../lib/api';
import { CATEGORY_LABELS, formatDateTime, REPORT_REASON_LABELS } from '../lib/format';
import { useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { Media } from '../ui/media';
import { Announce, ErrorNotice, Loading } from '../ui/status';

type ReportReason = RouterInputs['gallery']['report']['reason'];

/** One public gallery item: its media, prompt, model and author, and a way to report it. */
export function GalleryItemPage() {
  const { id = '' } = useParams();
  const item = useQuery({ queryKey: ['gallery.item', id], queryFn: () => api.gallery.item.query({ id }) });
  usePageTitle(item.data?.prompt ?? 'Gallery item');
  if (item.isPending) return <Loading />;
  if (item.isError) {
    const notFound = appErrorOf(item.error).code === 'NOT_FOUND';
    return (
      <div className="page narrow">
        <h1>{notFound ? 'This item is not in the gallery' : 'Could not load this item'}</h1>
        {notFound ? <p>It may have been unpublished or taken down.</p> : <ErrorNotice error={item.error} />}
        <p>
          <Link to="/gallery">Back to the gallery</Link>
        </p>
      </div>
    );
  }
  const g = item.data;
  return (
    <div className="page">
      <p>
        <Link to="/gallery">← Gallery</Link>
      </p>
      <div className="item-layout">
        <div className="item-media">
          {g.outputs.length === 0 ? (
            <Media output={undefined} label={g.prompt ?? g.modelName} />
          ) : (
            g.outputs.map((o) => <Media key={o.position} output={o} label={g.prompt ?? g.modelName} />)
          )}
        </div>
        <div>
          <h1>{g.prompt ?? g.modelName}</h1>
          <dl className="facts">
            <dt>Made by</dt>
            <dd>{g.authorName}</dd>
            <dt>Model</dt>
            <dd>{g.modelName}</dd>
            <dt>Category</dt>
            <dd>{CATEGORY_LABELS[g.category] ?? g.category}</dd>
            <dt>Made</dt>
            <dd>{formatDateTime(g.createdAt)}</dd>
          </dl>
          <ReportButton id={g.id} />
        </div>
      </div>
    </div>
  );
}

function ReportButton({ id }: { id: string }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReportReason>('spam');
  const [details, setDetails] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const report = useMutation({
    mutationFn: () =>
      api.gallery.report.mutate({ id, reason, ...(details.trim() ? { details: details.trim() } : {}) }),
    onSuccess: () => {
      setOpen(false);
      setDone('Thank you. A moderator will look at this item.');
    },
  });
  const error = report.error ? appErrorOf(report.error) : null;
  const signedIn = Boolean(session.data);
  return (
    <>
      <div className="actions" style={{ marginTop: '1rem' }}>
        <button
          type="button"
          className="button secondary"
          onClick={() => {
            report.reset();
            setOpen(true);
          }}
          disabled={done !== null}
        >
          Report this item
        </button>
      </div>
      <Announce message={done} />
      <ConfirmDialog
        open={open}
        title="Report this item"
        confirmLabel="Send report"
        busy={report.isPending}
        onCancel={() => setOpen(false)}
        onConfirm={() => report.mutate()}
      >
        {!signedIn && (
          <p className="notice notice-error">
            Reports come from signed-in users: send <kbd>/web</kbd> to the Atelier bot in your chat app and
            open its link, then report from here.
          </p>
        )}
        <fieldset className="radio-row column">
          <legend>What is wrong?</legend>
          {Object.entries(REPORT_REASON_LABELS).map(([value, label]) => (
            <label key={value}>
              <input
                type="radio"
                name="report-reason"
                value={value}
                checked={reason === value}
                onChange={() => setReason(value as ReportReason)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="report-details">
            {reason === 'other' ? 'Tell us what is wrong (required)' : 'Details (optional)'}
          </label>
          <textarea
            id="report-details"
            rows={3}
            maxLength={500}
            value={details}
            onChange={(e) => setDetails(e.target.value)}
          />
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error.code === 'UNAUTHORIZED'
              ? 'Sign in first: send /web to the Atelier bot and open its link.'
              : (error.fieldErrors.details?.join(' ') ?? error.message)}
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}
