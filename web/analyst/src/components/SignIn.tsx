import { type FormEvent, useState } from 'react';
import { ApiError } from '../api.js';

/** Asks for an API key (as `vigilo keys create` prints it) and checks it with the proxy before keeping it. */
export function SignIn({ onSignIn }: { onSignIn: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(key.trim());
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? caught.status === 401
            ? 'This key is not valid, or it was revoked.'
            : caught.status === 429
              ? 'Too many attempts; wait a moment and try again.'
              : caught.message
          : 'Signing in failed.',
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="centered">
      <form className="card signin" onSubmit={submit} data-testid="sign-in">
        <h1>Vigilo</h1>
        <p>Sign in with an API key of your tenant. It is kept in this browser tab only.</p>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} placeholder="vgk_…" data-testid="api-key" />
        {error && (
          <p className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''} data-testid="sign-in-submit">
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
