import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, type Answer, type Identity, VigiloApi } from './api.js';
import { SearchView } from './components/SearchView.js';
import { SignalsView } from './components/SignalsView.js';
import { SignIn } from './components/SignIn.js';

/** The key lives for the browser tab only: sessionStorage, never localStorage or a cookie. */
const KEY_STORAGE = 'vigilo.apiKey';

export interface Session {
  readonly api: VigiloApi;
  readonly identity: Identity;
  readonly tenant: string;
}

/** What every view reports after each answer, so the banner reflects the latest state of the read path. */
export type AnswerListener = (answer: Answer<unknown>) => void;

type Tab = 'reports' | 'signals';

export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [restoring, setRestoring] = useState(() => sessionStorage.getItem(KEY_STORAGE) !== null);
  const [degraded, setDegraded] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('reports');

  const signIn = useCallback(async (key: string): Promise<void> => {
    const api = new VigiloApi(key);
    const identity = await api.whoami();
    if (identity.tenant === null) {
      throw new ApiError(403, 'VIG_FORBIDDEN_TENANT', 'This key is not bound to a tenant; the page needs a tenant key');
    }
    if (!identity.scopes.includes('read') && !identity.scopes.includes('admin')) {
      throw new ApiError(403, 'VIG_FORBIDDEN_SCOPE', 'This key lacks the read scope');
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    setSession({ api, identity, tenant: identity.tenant });
  }, []);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    setSession(undefined);
    setDegraded(undefined);
  }, []);

  useEffect(() => {
    const stored = sessionStorage.getItem(KEY_STORAGE);
    if (stored === null) return;
    signIn(stored)
      .catch(() => sessionStorage.removeItem(KEY_STORAGE))
      .finally(() => setRestoring(false));
  }, [signIn]);

  const onAnswer = useCallback<AnswerListener>((answer) => setDegraded(answer.degraded), []);
  const views = useMemo(
    () =>
      session && {
        reports: <SearchView session={session} onAnswer={onAnswer} />,
        signals: <SignalsView session={session} onAnswer={onAnswer} />,
      },
    [session, onAnswer],
  );

  if (restoring) return <main className="centered">Signing in…</main>;
  if (!session || !views) return <SignIn onSignIn={signIn} />;
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Vigilo</span>
        <nav role="tablist">
          {(['reports', 'signals'] as const).map((name) => (
            <button key={name} role="tab" aria-selected={tab === name} className={tab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
              {name === 'reports' ? 'Reports' : 'Signals'}
            </button>
          ))}
        </nav>
        <span className="who" data-testid="tenant">
          tenant <strong>{session.tenant}</strong> · {session.identity.scopes.join(', ')}
        </span>
        <button className="link" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {degraded && (
        <div className="banner degraded" role="alert" data-testid="degraded-banner">
          <strong>Degraded answers.</strong> The search engine is unavailable, so results come from the database: the same reports and
          counts, more slowly. <span className="reason">({degraded})</span>
        </div>
      )}
      <div hidden={tab !== 'reports'}>{views.reports}</div>
      <div hidden={tab !== 'signals'}>{views.signals}</div>
    </div>
  );
}
