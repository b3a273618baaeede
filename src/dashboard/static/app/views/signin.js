// The sign-in form: one password field for a bearer token. The token is checked with a
// SelfSubjectReview (what `kubectl auth whoami` sends), which every authenticated user may create.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, Unauthorized } from '../api.js';

/** Resolves to the username the token authenticates as; throws Unauthorized when refused. */
export async function whoAmI(token) {
  const review = await api('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    method: 'POST',
    withToken: token,
    retry: true, // a review changes nothing
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status?.userInfo?.username ?? 'unknown';
}

export const REFUSED = 'The API server refused this token (401 Unauthorized). Copy the token from your kubeconfig and try again.';

export function SignIn({ onSignedIn, message }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(message), [message]);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const user = await whoAmI(token.trim());
      onSignedIn(token.trim(), user);
    } catch (err) {
      setError(err instanceof Unauthorized ? REFUSED : `Cannot sign in: ${err.message}`);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="signin card">
    <h1>Peapod dashboard</h1>
    <form onSubmit=${submit}>
      <label for="token">Bearer token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" autofocus value=${token} onInput=${(e) => setToken(e.target.value)} />
      <button type="submit" disabled=${busy || !token.trim()}>Sign in</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <p class="muted">The token is in your kubeconfig (<code>users[].user.token</code>); it stays in this browser tab.</p>
    </form>
  </div>`;
}
