import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, appErrorOf } from '../lib/api';
import { formatDateTime } from '../lib/format';
import type { ModelField } from './studio-api';

type FileField = Extract<ModelField, { type: 'file' }>;

const ACCEPT: Record<FileField['fileKind'], string> = {
  image: 'image/png,image/jpeg,image/webp',
  audio: 'audio/*',
  video: 'video/*',
  archive: 'application/zip',
};

/** PUTs the bytes to the presigned URL, reporting progress (fetch cannot report upload progress). */
function putWithProgress(
  ticket: { url: string; method: string; headers: Record<string, string> },
  file: File,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new Error(`The upload failed (${xhr.status})`));
    xhr.onerror = () => reject(new Error('The upload failed; check your connection'));
    xhr.send(file);
  });
}

interface FileInputProps {
  field: FileField;
  value: string | undefined;
  errors: string[] | undefined;
  onChange: (assetId: string | undefined) => void;
}

/**
 * A model's file input: upload a new file (presigned PUT with progress, then core verifies it) or
 * pick one of the user's own assets of that kind.
 */
export function FileInput({ field, value, errors, onChange }: FileInputProps) {
  const id = useId();
  const client = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const assets = useQuery({
    queryKey: ['studio', 'assets', field.fileKind],
    queryFn: () => api.uploads.list.query({ kind: field.fileKind, limit: 50 }),
  });

  async function upload(file: File) {
    setProblem(null);
    setProgress(0);
    try {
      const ticket = await api.uploads.create.mutate({
        kind: field.fileKind,
        contentType: file.type || 'application/octet-stream',
        size: file.size,
        filename: file.name,
      });
      await putWithProgress(ticket, file, setProgress);
      const asset = await api.uploads.complete.mutate({ uploadId: ticket.uploadId });
      await client.invalidateQueries({ queryKey: ['studio', 'assets', field.fileKind] });
      onChange(asset.id);
    } catch (error) {
      setProblem(error instanceof Error && !('data' in error) ? error.message : appErrorOf(error).message);
    } finally {
      setProgress(null);
    }
  }

  const chosen = assets.data?.items.find((a) => a.id === value);
  const shownErrors = [...(errors ?? []), ...(problem ? [problem] : [])];
  const errorId = shownErrors.length ? `${id}-error` : undefined;
  return (
    <fieldset className="studio-file">
      <legend>
        {field.label}
        {field.required ? ' (required)' : ''}
      </legend>
      <div className="field">
        <label htmlFor={`${id}-upload`}>Upload a file</label>
        <input
          id={`${id}-upload`}
          type="file"
          accept={ACCEPT[field.fileKind]}
          aria-describedby={errorId}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
            e.target.value = '';
          }}
        />
      </div>
      {progress !== null && (
        <progress aria-label={`Uploading ${field.label}`} max={1} value={progress}>
          {Math.round(progress * 100)}%
        </progress>
      )}
      <div className="field">
        <label htmlFor={`${id}-asset`}>Or choose one of your files</label>
        <select
          id={`${id}-asset`}
          value={value ?? ''}
          aria-invalid={Boolean(errorId) || undefined}
          aria-describedby={errorId}
          onChange={(e) => onChange(e.target.value || undefined)}
        >
          <option value="">No file</option>
          {assets.data?.items.map((asset) => (
            <option key={asset.id} value={asset.id}>
              {asset.filename ?? asset.kind} · {formatDateTime(asset.createdAt)}
            </option>
          ))}
        </select>
      </div>
      {chosen && field.fileKind === 'image' && (
        <img className="studio-file-thumb" src={chosen.url} alt={`Chosen ${field.label}`} />
      )}
      {errorId && (
        <p id={errorId} className="field-error" role="alert">
          {shownErrors.join(' ')}
        </p>
      )}
    </fieldset>
  );
}
