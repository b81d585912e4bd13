import type { DeviceCodeRow } from "../../lib/auth/device-flow.ts";
import { html, type SafeHtml } from "../../lib/http/html.ts";
import { page } from "./pages.ts";

/** Where a person types the code their terminal shows. */
export function enterCodePage(error: string | null = null): SafeHtml {
  return page(
    "Sign in a terminal",
    html`<h1>Sign in a terminal</h1>
<p>Enter the code that <code>ajet-chat login</code> shows in your terminal.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="get" action="/device">
<label for="code">Code</label>
<input id="code" name="code" required autocomplete="off" autocapitalize="characters" placeholder="WDJB-MJHT">
<button type="submit">Continue</button>
</form>`,
  );
}

/**
 * Which device asks, so the person can tell their own terminal from a phishing attempt (RFC 8628
 * §5.4): the name it gave, the address it asked from, and when. The form posts to this same origin
 * with the SameSite=Strict session cookie, which a cross-site form cannot send.
 */
export function approvePage(request: DeviceCodeRow, username: string, now = new Date()): SafeHtml {
  const minutes = Math.max(0, Math.round((now.getTime() - request.createdAt.getTime()) / 60_000));
  const when = `${request.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC (${
    minutes === 0 ? "just now" : `${minutes} min ago`
  })`;
  return page(
    "Approve terminal sign-in",
    html`<h1>Sign in a terminal as ${username}?</h1>
<dl>
<dt>Device</dt><dd>${request.clientName}</dd>
<dt>Asked from</dt><dd>${request.ip || "an unknown address"}</dd>
<dt>Asked at</dt><dd>${when}</dd>
<dt>Code</dt><dd><strong>${request.userCode}</strong></dd>
</dl>
<p>Approve only if you started <code>ajet-chat login</code> yourself just now and your terminal shows this code.
Whoever approves gives that terminal full access to this account.</p>
<form method="post" action="/device">
<input type="hidden" name="code" value="${request.userCode}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" style="background:#868e96">Deny</button>
</form>`,
  );
}

export function decidedPage(approved: boolean): SafeHtml {
  return page(
    approved ? "Terminal approved" : "Terminal denied",
    html`<h1>${approved ? "Terminal approved" : "Terminal denied"}</h1>
<p>${approved ? "Go back to your terminal: it is signed in within a few seconds." : "The terminal was not signed in. You can close this page."}</p>`,
  );
}
