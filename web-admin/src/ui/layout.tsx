import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../lib/api';
import { isAdmin, isStaff, type Session, useSession } from '../lib/session';
import { ErrorNotice, Loading } from './status';

/** Moves focus to the page's main region after a client-side navigation, as a page load would. */
function useFocusMainOnNavigate() {
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shown = useRef(pathname);
  useEffect(() => {
    if (shown.current === pathname) return;
    shown.current = pathname;
    main.current?.focus();
  }, [pathname]);
  return main;
}

function Shell({ nav, children }: { nav: ReactNode; children: ReactNode }) {
  const main = useFocusMainOnNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">{nav}</header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function SignOutButton({ to }: { to: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: () => api.auth.logout.mutate(),
    onSuccess: () => {
      client.clear();
      navigate(to);
    },
  });
  return (
    <button
      type="button"
      className="button link-button"
      onClick={() => logout.mutate()}
      disabled={logout.isPending}
    >
      Sign out
    </button>
  );
}

const STAFF_LINKS: { to: string; label: string; adminOnly?: boolean; end?: boolean }[] = [
  { to: '/admin', label: 'Dashboard', end: true, adminOnly: true },
  { to: '/admin/moderation', label: 'Moderation' },
  { to: '/admin/blocklist', label: 'Block list' },
  { to: '/admin/audit', label: 'Audit log' },
  { to: '/admin/accounts', label: 'Accounts' },
  { to: '/admin/catalog', label: 'Models' },
  { to: '/admin/purchases', label: 'Purchases', adminOnly: true },
];

function StaffNav({ session }: { session: Session }) {
  return (
    <nav aria-label="Staff" className="nav">
      <Link to="/admin" className="brand">
        Atelier <span className="brand-sub">staff</span>
      </Link>
      <ul>
        {STAFF_LINKS.filter((l) => !l.adminOnly || isAdmin(session)).map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
      <div className="nav-user">
        <span>
          {session.user.displayName} <span className="badge">{session.user.role}</span>
        </span>
        <SignOutButton to="/admin/login" />
      </div>
    </nav>
  );
}

/** The staff area: signed-in moderators and admins only; others go to the staff sign-in page. */
export function StaffLayout() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading />;
  if (session.isError) return <ErrorNotice error={session.error} />;
  if (!isStaff(session.data)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/admin/login?next=${next}`} replace />;
  }
  return (
    <Shell nav={<StaffNav session={session.data!} />}>
      <Outlet />
    </Shell>
  );
}

/** Pages for everyone (gallery) and for users signed in through a bot's link (billing). */
export function PublicLayout() {
  const session = useSession();
  const signedIn = session.data;
  return (
    <Shell
      nav={
        <nav aria-label="Main" className="nav">
          <Link to="/gallery" className="brand">
            Atelier
          </Link>
          <ul>
            <li>
              <NavLink to="/gallery">Gallery</NavLink>
            </li>
            {signedIn?.kind === 'link' && (
              <>
                <li>
                  <NavLink to="/studio">Studio</NavLink>
                </li>
                <li>
                  <NavLink to="/billing">Credits</NavLink>
                </li>
              </>
            )}
            {isStaff(signedIn) && (
              <li>
                <NavLink to="/admin">Staff area</NavLink>
              </li>
            )}
          </ul>
          {signedIn && (
            <div className="nav-user">
              <span>{signedIn.user.displayName}</span>
              <SignOutButton to="/gallery" />
            </div>
          )}
        </nav>
      }
    >
      <Outlet />
    </Shell>
  );
}

/** Admin-only parts of a page; moderators never see them (core refuses them too). */
export function AdminOnly({ children }: { children: ReactNode }) {
  const session = useSession();
  return isAdmin(session.data) ? children : null;
}
