import type { ProviderId } from "../../lib/auth/oauth-providers.ts";
import { conflict } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/http/html.ts";
import { localPath } from "../../lib/http/local-path.ts";
import { page } from "./pages.ts";

type Provider = { id: ProviderId; label: string };
/** What a sign-in carries through the provider and back: where to go after, an invite or the setup link. */
type Carry = { next?: string | null; invite?: string | null; setup?: string | null };

/** Where a provider's button leads: its start route, carrying what the sign-in needs after. */
function startUrl(id: ProviderId, carry: Carry): string {
  const query = new URLSearchParams();
  if (carry.next && carry.next !== "/") query.set("next", carry.next);
  if (carry.invite) query.set("invite", carry.invite);
  if (carry.setup) query.set("setup", carry.setup);
  const search = query.toString();
  return `/auth/${id}/start${search ? `?${search}` : ""}`;
}

/**
 * One button per enabled provider, as a link: a GET form would be blocked on its redirect to the
 * provider by the CSP's `form-action 'self'`, and starting a sign-in changes nothing yet anyway.
 */
export function providerButtons(providers: Provider[], carry: Carry): SafeHtml {
  return html`<p>${providers.map(
    (p) =>
      html`<a href="${startUrl(p.id, carry)}" style="display:block;width:fit-content;margin:.6rem 0;padding:.55rem 1.1rem;border-radius:6px;background:#3b5bdb;color:#fff;text-decoration:none">Sign in with ${p.label}</a>`,
  )}</p>`;
}

/**
 * The sign-in page: a button per enabled provider, or — with none — where to get in instead. While
 * nobody is here yet it points to the setup link rather than to the providers: signing in alone
 * makes no account.
 */
export function loginPage(options: { providers: Provider[]; next: string; notSetUp: boolean }): SafeHtml {
  const { providers, next, notSetUp } = options;
  if (providers.length === 0) {
    return page(
      "Sign in",
      html`<h1>Sign in to ajet-chat</h1>
<p>This server has no sign-in provider configured. To join, ask someone in the community for an invite link.</p>
<p class="muted">Setting up a new server? Open the setup link it printed when it started.</p>`,
    );
  }
  if (notSetUp) {
    return page(
      "Sign in",
      html`<h1>This server is not set up yet</h1>
<p>The first person gets in through the setup link the server printed when it started (restarting it prints a new one).</p>`,
    );
  }
  return page(
    "Sign in",
    html`<h1>Sign in to ajet-chat</h1>
${providerButtons(providers, { next })}
<p class="muted">New here? You need an invite link from someone in the community.</p>`,
  );
}

/**
 * The answer to a successful callback. Not a 303: the browser arrived here from the provider's
 * site, and browsers withhold SameSite=Strict cookies for the rest of such a redirect chain, so the
 * first page would look signed out. A Refresh from this same-origin page is a same-site navigation.
 * `next` is checked here again: it came back in a cookie, and a cookie can be planted.
 */
export function signedInPage(returnTo: string, headers: Headers, notice: string | null = null): Response {
  const next = localPath(returnTo);
  headers.set("Content-Type", "text/html; charset=utf-8");
  if (!notice) headers.set("Refresh", `0; url=${next}`);
  const body = page(
    "Signed in",
    html`<h1>Signed in</h1>
${notice ? html`<p class="error" role="alert">${notice}</p>` : ""}
<p><a href="${next}">Continue</a></p>`,
  );
  return new Response(body.value, { status: 200, headers });
}

/** A sign-in that did not work, with the way back to the start. */
export function signInFailedPage(text: string): SafeHtml {
  return page(
    "Sign-in failed",
    html`<h1>Sign-in failed</h1><p>${text}</p><p><a href="/login">Back to sign-in</a></p>`,
  );
}

/** The setup link on a server with providers: the first person signs in, and that identity is linked. */
export function setupSignInPage(token: string, providers: Provider[]): SafeHtml {
  return page(
    "Set up ajet-chat",
    html`<h1>Set up ajet-chat</h1>
<p>You are the first person here. Sign in; that account becomes yours here, and next you create your community.</p>
${providerButtons(providers, { setup: token })}`,
  );
}

/** An invite opened by someone not signed in, on a server with providers: sign in to join. */
export function inviteSignInPage(community: string, code: string, providers: Provider[]): SafeHtml {
  return page(
    `Join ${community}`,
    html`<h1>Join ${community}</h1>
<p>You are invited to ${community} on ajet-chat. Sign in to join; you come back here as a member.</p>
${providerButtons(providers, { invite: code })}`,
  );
}

export const signInWithProvider = () =>
  conflict(
    "this server signs people in with an OAuth provider: open the link in a browser and sign in there",
    "sign_in_with_provider",
  );
