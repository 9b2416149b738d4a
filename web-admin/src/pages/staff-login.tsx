import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, appErrorOf } from '../lib/api';
import { isStaff, SESSION_KEY, useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { TextField } from '../ui/field';

/** Only same-site paths inside the staff area: ?next= must not send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next?.startsWith('/admin') && !next.startsWith('//') ? next : '/admin';
}

export function StaffLoginPage() {
  usePageTitle('Staff sign-in');
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const session = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => api.auth.login.mutate({ username, password }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: SESSION_KEY });
      navigate(next, { replace: true });
    },
  });
  if (isStaff(session.data)) return <Navigate to={next} replace />;

  const error = login.error ? appErrorOf(login.error) : null;
  const retryAfter = Number(error?.details.retryAfterSeconds ?? 0);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <main id="main" className="auth-page">
      <form className="card auth-card" onSubmit={onSubmit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title">Atelier staff sign-in</h1>
        <p className="muted">For moderators and admins. Users sign in with a link from the bot (/web).</p>
        {error && (
          <div className="notice notice-error" role="alert">
            <p>
              {error.message}
              {error.code === 'RATE_LIMITED' && retryAfter > 0
                ? ` (about ${retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`}).`
                : ''}
            </p>
          </div>
        )}
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          errors={error?.fieldErrors.username}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          errors={error?.fieldErrors.password}
        />
        <button type="submit" className="button wide" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
