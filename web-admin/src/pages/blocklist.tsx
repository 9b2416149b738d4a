import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, appErrorOf } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { isAdmin, useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { TextField } from '../ui/field';
import { Announce, Empty, ErrorNotice, Loading } from '../ui/status';

/**
 * The prompt block list: a prompt containing any term is refused before credits are held, and the
 * refusal names the term. Terms from the server's configuration are listed but edited there.
 */
export function BlocklistPage() {
  usePageTitle('Prompt block list');
  const session = useSession();
  const admin = isAdmin(session.data);
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['moderation.blocklist'],
    queryFn: () => api.moderation.blocklist.query(),
  });
  const [term, setTerm] = useState('');
  const [reason, setReason] = useState('');
  const [removing, setRemoving] = useState<string | null>(null);
  const [removeReason, setRemoveReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['moderation.blocklist'] });
  const add = useMutation({
    mutationFn: () => api.moderation.addBlockedTerm.mutate({ term, reason }),
    onSuccess: (r) => {
      setDone(r.added ? `“${r.term}” is now blocked.` : `“${r.term}” was already blocked.`);
      setTerm('');
      setReason('');
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (t: string) => api.moderation.removeBlockedTerm.mutate({ term: t, reason: removeReason }),
    onSuccess: (r) => {
      setDone(`“${r.term}” is no longer blocked.`);
      setRemoving(null);
      setRemoveReason('');
      void refresh();
    },
  });
  const addError = add.error ? appErrorOf(add.error) : null;
  const removeError = remove.error ? appErrorOf(remove.error) : null;
  const onAdd = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    add.mutate();
  };
  return (
    <div className="page">
      <h1>Prompt block list</h1>
      <p className="muted">
        Prompts containing one of these words or phrases are refused in every chat app and on the web, before
        any credits are held; the refusal names the term.
      </p>
      <Announce message={done} />
      {admin && (
        <section className="card" aria-labelledby="add-term-h">
          <h2 id="add-term-h">Block a term</h2>
          <form className="form-grid" onSubmit={onAdd} noValidate>
            <TextField
              label="Word or phrase"
              value={term}
              onChange={(e) => setTerm(e.target.value)}
              errors={addError?.fieldErrors.term}
            />
            <TextField
              label="Reason (required, audited)"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              errors={addError?.fieldErrors.reason}
            />
            {addError && Object.keys(addError.fieldErrors).length === 0 && (
              <p className="field-error" role="alert">
                {addError.message}
              </p>
            )}
            <div className="actions">
              <button type="submit" className="button" disabled={add.isPending}>
                Block term
              </button>
            </div>
          </form>
        </section>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice error={list.error} />
      ) : list.data.length === 0 ? (
        <Empty>No terms are blocked.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Term</th>
                <th scope="col">Source</th>
                <th scope="col">Added</th>
                {admin && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.map((t) => (
                <tr key={t.term}>
                  <td>
                    <code>{t.term}</code>
                  </td>
                  <td>{t.source === 'config' ? 'Server configuration (PROMPT_BLOCKLIST)' : 'Added here'}</td>
                  <td>
                    {t.createdAt ? formatDateTime(t.createdAt) : '—'}
                    {t.addedBy?.name ? ` by ${t.addedBy.name}` : ''}
                  </td>
                  {admin && (
                    <td>
                      {t.source === 'admin' && (
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`Unblock ${t.term}`}
                          onClick={() => {
                            remove.reset();
                            setRemoving(t.term);
                          }}
                        >
                          Unblock
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Unblock “${removing ?? ''}”?`}
        confirmLabel="Unblock"
        busy={remove.isPending}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate(removing)}
      >
        <TextField
          label="Reason (required, audited)"
          value={removeReason}
          onChange={(e) => setRemoveReason(e.target.value)}
          errors={removeError?.fieldErrors.reason}
        />
        {removeError && !removeError.fieldErrors.reason && (
          <p className="field-error" role="alert">
            {removeError.message}
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
