import type { ReactNode } from 'react';
import { appErrorOf } from '../lib/api';

/** A failed request, in core's words, announced to screen readers. */
export function ErrorNotice({ error, children }: { error: unknown; children?: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{appErrorOf(error).message}</p>
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="muted" role="status">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A live region for the outcome of an action ("3 items approved"). */
export function Announce({ message, tone = 'ok' }: { message: string | null; tone?: 'ok' | 'error' }) {
  return (
    <div className={message ? `notice notice-${tone}` : 'visually-hidden'} role="status" aria-live="polite">
      {message}
    </div>
  );
}
