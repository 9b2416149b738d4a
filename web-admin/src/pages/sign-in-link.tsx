import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, appErrorOf } from '../lib/api';
import { SESSION_KEY } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { Loading } from '../ui/status';

const PROBLEMS: Record<string, { title: string; text: string }> = {
  used: { title: 'This link was already used', text: 'Each sign-in link works once.' },
  expired: { title: 'This link has expired', text: 'Sign-in links work for 15 minutes.' },
  invalid: { title: 'This link is not valid', text: 'It may have been copied incompletely or changed.' },
};

/** Only paths of this app: a link's redirect must not send anyone to another site. */
const safeRedirect = (to: string | undefined) =>
  to?.startsWith('/') && !to.startsWith('//') ? to : '/billing';

/**
 * Where a bot's one-time link lands (`/auth/link?token=...`). The token is redeemed by a POST from
 * this page, never on GET: chat apps fetch links to preview them and would spend it.
 */
export function SignInLinkPage() {
  usePageTitle('Signing in');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const client = useQueryClient();
  const started = useRef(false);
  const redeem = useMutation({
    mutationFn: () => api.auth.redeemSignInLink.mutate({ token }),
    onSuccess: async (result) => {
      // Keep the spent token out of the address bar and history.
      window.history.replaceState(null, '', '/auth/link');
      await client.invalidateQueries({ queryKey: SESSION_KEY });
      navigate(safeRedirect(result.redirectTo), { replace: true });
    },
  });
  useEffect(() => {
    if (started.current || !token) return;
    started.current = true;
    redeem.mutate();
  }, [token, redeem]);

  if (!token || redeem.isError) {
    const error = redeem.error ? appErrorOf(redeem.error) : null;
    const problem = PROBLEMS[String(error?.details.problem ?? (token ? '' : 'invalid'))];
    return (
      <div className="page narrow">
        <div className="card" role="alert">
          <h1>{problem?.title ?? 'Could not sign you in'}</h1>
          <p>{problem ? problem.text : error?.message}</p>
          <p>
            Get a new link from the bot: send <kbd>/web</kbd> (or <kbd>/buy</kbd> to buy credits) in Discord,
            Telegram or Slack, then open the link it sends you.
          </p>
          <p>
            <Link to="/gallery">Browse the gallery meanwhile</Link>
          </p>
        </div>
      </div>
    );
  }
  return (
    <div className="page narrow">
      <h1>Signing you in…</h1>
      <Loading label="Checking your sign-in link…" />
    </div>
  );
}

/** /signin: users sign in through their chat app; staff use the password page. */
export function SignInHelpPage() {
  usePageTitle('Sign in');
  return (
    <div className="page narrow">
      <div className="card">
        <h1>Sign in to Atelier</h1>
        <p>
          Atelier accounts live in your chat app. Send <kbd>/web</kbd> to the Atelier bot in Discord, Telegram
          or Slack and open the one-time link it sends you (it works for 15 minutes).
        </p>
        <p>
          Staff: <Link to="/admin/login">sign in with your username and password</Link>.
        </p>
      </div>
    </div>
  );
}
