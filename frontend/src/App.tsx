import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Route, Routes, useLocation, useNavigate, useParams } from 'react-router';
import { isSlurmId } from './lib/jobs';
import { isAdmin, mayRead, useLogout, useMe } from './auth';
import { ErrorState, Loading } from './components/common';
import { useTheme } from './theme';
import { LoginPage } from './pages/LoginPage';
import { NoAccessPage } from './pages/NoAccessPage';
import { JobsPage } from './pages/JobsPage';

// Pages with heavier code (uPlot) or for admins only load on demand.
const JobPage = lazy(() => import('./pages/JobPage'));
const StatisticsPage = lazy(() => import('./pages/StatisticsPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const SearchPage = lazy(() => import('./pages/SearchPage'));
const SlurmJobPage = lazy(() => import('./pages/SlurmJobPage'));
const UsagePage = lazy(() => import('./pages/UsagePage'));
const NodePage = lazy(() => import('./pages/NodePage'));
const TagsPage = lazy(() => import('./pages/TagsPage'));

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/no-access" element={<Guard access="any"><Shell><NoAccessPage /></Shell></Guard>} />
      <Route path="/" element={<Navigate to="/jobs" replace />} />
      <Route path="/jobs" element={<Guard access="read"><Shell><JobsPage /></Shell></Guard>} />
      <Route path="/jobs/:id" element={<Guard access="read"><Shell><Lazy><JobOrSlurmId /></Lazy></Shell></Guard>} />
      <Route path="/jobs/:cluster/:slurmId" element={<Guard access="read"><Shell><Lazy><SlurmJobPage /></Lazy></Shell></Guard>} />
      <Route path="/job/:slurmId" element={<OriginalJobLink />} />
      <Route path="/nodes/:cluster/:host" element={<Guard access="read"><Shell><Lazy><NodePage /></Lazy></Shell></Guard>} />
      <Route path="/tags" element={<Guard access="read"><Shell><Lazy><TagsPage /></Lazy></Shell></Guard>} />
      <Route path="/search" element={<Guard access="read"><Shell><Lazy><SearchPage /></Lazy></Shell></Guard>} />
      <Route path="/statistics" element={<Guard access="read"><Shell><Lazy><StatisticsPage /></Lazy></Shell></Guard>} />
      <Route path="/usage" element={<Guard access="read"><Shell><Lazy><UsagePage /></Lazy></Shell></Guard>} />
      <Route path="/usage/:user" element={<Guard access="admin"><Shell><Lazy><UsagePage /></Lazy></Shell></Guard>} />
      <Route path="/settings" element={<Guard access="admin"><Shell><Lazy><SettingsPage /></Lazy></Shell></Guard>} />
      <Route path="*" element={<Shell><NotFound /></Shell>} />
    </Routes>
  );
}

/** /jobs/<Jobmon id> is the job page; /jobs/<SLURM id> (123, 123_4) looks the id up on every cluster. */
function JobOrSlurmId() {
  const { id = '' } = useParams();
  return isSlurmId(id) ? <SlurmJobPage /> : <JobPage />;
}

/** The original JobMon's /job/<SLURM id> (links in e-mails and tickets; the server redirects it too). */
function OriginalJobLink() {
  const { slurmId = '' } = useParams();
  return <Navigate to={`/jobs/${encodeURIComponent(slurmId)}`} replace />;
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

/** Route guard: not signed in → /login (remembering where to go back); no reader role → /no-access; admin pages. */
function Guard({ access, children }: { access: 'any' | 'read' | 'admin'; children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return (
      <main className="page narrow">
        <ErrorState error={me.error} title="Could not check your session" />
      </main>
    );
  }
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  if (access !== 'any' && !mayRead(me.data)) return <Navigate to="/no-access" replace />;
  if (access === 'admin' && !isAdmin(me.data)) {
    return (
      <Shell>
        <div className="notice" role="alert">
          This page is for administrators. <Link to="/jobs">Back to your jobs</Link>
        </div>
      </Shell>
    );
  }
  return <>{children}</>;
}

function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const [theme, toggleTheme] = useTheme();
  const logout = useLogout();
  const navigate = useNavigate();
  const admin = isAdmin(me.data);
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/jobs" className="brand">Jobmon</Link>
        <nav aria-label="Main">
          {mayRead(me.data) ? <NavLink to="/jobs">Jobs</NavLink> : null}
          {mayRead(me.data) ? <NavLink to="/search">Search</NavLink> : null}
          {mayRead(me.data) ? <NavLink to="/tags">Tags</NavLink> : null}
          {mayRead(me.data) ? <NavLink to="/statistics">Statistics</NavLink> : null}
          {mayRead(me.data) ? <NavLink to="/usage" end>My usage</NavLink> : null}
          {admin ? <NavLink to="/settings">Settings</NavLink> : null}
        </nav>
        <div className="topbar-right">
          <button
            type="button"
            className="btn btn-ghost"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
            title={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          {me.data ? (
            <>
              <span className="whoami" title={`Roles: ${me.data.roles.join(', ') || 'none'}`}>
                {me.data.username}
              </span>
              <button
                type="button"
                className="btn btn-ghost"
                disabled={logout.isPending}
                onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })}
              >
                Sign out
              </button>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <div className="notice">
      <h1>Page not found</h1>
      <p>
        <Link to="/jobs">Go to the jobs list</Link>
      </p>
    </div>
  );
}
