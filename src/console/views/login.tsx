/** @jsxImportSource hono/jsx */
import { CONSOLE_BASE } from "../paths";
import { Layout } from "./layout";
import { ErrorNote } from "./parts";

/** The only page a request without a session sees. The token goes in the body of a POST, never a URL. */
export function LoginPage({ error, next }: { error?: string; next?: string }) {
  return (
    <Layout title="Sign in" signedIn={false}>
      <section class="card login">
        <p id="login-help">Enter the relay's admin token (the <code>RELAY_ADMIN_TOKEN</code> secret) to open the operator console.</p>
        <ErrorNote title="Not signed in" message={error} />
        <form method="post" action={`${CONSOLE_BASE}/login`} class="stack">
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <button type="submit" class="button primary">
            Sign in
          </button>
        </form>
        <p class="muted small">The session lasts 8 hours. The console keeps a signed cookie, never the token itself.</p>
      </section>
    </Layout>
  );
}
