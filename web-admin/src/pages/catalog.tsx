import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, appErrorOf, type RouterInputs, type RouterOutputs } from '../lib/api';
import { CATEGORY_LABELS, formatCredits } from '../lib/format';
import { isAdmin, useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { TextField } from '../ui/field';
import { Announce, ErrorNotice, Loading } from '../ui/status';

type Model = RouterOutputs['admin']['models'][number];
type Change = Omit<RouterInputs['admin']['updateModel'], 'reason'>;

/** Every model of the catalog by category; admins enable, disable and re-price them (audited). */
export function CatalogPage() {
  usePageTitle('Models');
  const session = useSession();
  const admin = isAdmin(session.data);
  const client = useQueryClient();
  const models = useQuery({ queryKey: ['admin.models'], queryFn: () => api.admin.models.query() });
  const [change, setChange] = useState<{ model: Model; patch: Change; title: string } | null>(null);
  const [price, setPrice] = useState('');
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (input: RouterInputs['admin']['updateModel']) => api.admin.updateModel.mutate(input),
    onSuccess: () => {
      setDone(`${change?.model.name} updated.`);
      setChange(null);
      setReason('');
      void client.invalidateQueries({ queryKey: ['admin.models'] });
    },
  });
  if (models.isPending) return <Loading />;
  if (models.isError) return <ErrorNotice error={models.error} />;
  const byCategory = Object.keys(CATEGORY_LABELS).map((category) => ({
    category,
    models: models.data.filter((m) => m.category === category),
  }));
  const open = (model: Model, patch: Change, title: string) => {
    update.reset();
    setDone(null);
    setPrice(String(model.unitCredits));
    setChange({ model, patch, title });
  };
  const error = update.error ? appErrorOf(update.error) : null;
  const repricing = change && 'priceCredits' in change.patch;

  return (
    <div className="page">
      <h1>Models</h1>
      <Announce message={done} />
      {byCategory.map(({ category, models: list }) => (
        <section key={category} aria-labelledby={`cat-${category}`}>
          <h2 id={`cat-${category}`}>{CATEGORY_LABELS[category]}</h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Status</th>
                  <th scope="col">Unit price</th>
                  <th scope="col">From</th>
                  {admin && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <tr key={m.id}>
                    <td>
                      <strong>{m.name}</strong>
                      <br />
                      <code className="id">{m.id}</code>
                    </td>
                    <td>
                      <span className={m.enabled ? 'badge badge-ok' : 'badge'}>
                        {m.enabled ? 'Enabled' : 'Disabled'}
                      </span>
                    </td>
                    <td>{formatCredits(m.unitCredits)}</td>
                    <td>{formatCredits(m.basePrice)}</td>
                    {admin && (
                      <td className="actions">
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`${m.enabled ? 'Disable' : 'Enable'} ${m.name}`}
                          onClick={() =>
                            open(
                              m,
                              { modelId: m.id, enabled: !m.enabled },
                              `${m.enabled ? 'Disable' : 'Enable'} ${m.name}?`,
                            )
                          }
                        >
                          {m.enabled ? 'Disable' : 'Enable'}
                        </button>
                        <button
                          type="button"
                          className="button secondary small"
                          aria-label={`Re-price ${m.name}`}
                          onClick={() =>
                            open(m, { modelId: m.id, priceCredits: m.unitCredits }, `Re-price ${m.name}`)
                          }
                        >
                          Re-price
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <ConfirmDialog
        open={change !== null}
        title={change?.title ?? ''}
        confirmLabel="Save"
        busy={update.isPending}
        onCancel={() => setChange(null)}
        onConfirm={() =>
          change &&
          update.mutate({
            ...change.patch,
            ...(repricing ? { priceCredits: Number(price) } : {}),
            reason,
          })
        }
      >
        {error && Object.keys(error.fieldErrors).length === 0 && (
          <p className="field-error" role="alert">
            {error.message}
          </p>
        )}
        {repricing && (
          <TextField
            label="Credits per unit"
            type="number"
            min={1}
            required
            value={price}
            onChange={(e) => setPrice(e.target.value)}
            errors={error?.fieldErrors.priceCredits}
          />
        )}
        <TextField
          label="Reason (required, audited)"
          required
          minLength={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          errors={error?.fieldErrors.reason}
        />
      </ConfirmDialog>
    </div>
  );
}
