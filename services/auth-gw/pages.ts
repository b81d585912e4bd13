import { html, type SafeHtml } from "../../lib/http/html.ts";

const style = `body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e8e8ea;background:#16161a}input{background:#222;color:#eee;border-color:#444}}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font:inherit;border:1px solid #bbb;border-radius:6px;box-sizing:border-box}
button{margin-top:1rem;padding:.55rem 1.1rem;font:inherit;border:0;border-radius:6px;background:#3b5bdb;color:#fff;cursor:pointer}
.error{color:#c92a2a}.muted{color:#888}`;

/** The gateway's own small pages (setup, invite, sign-in): no script at all. */
export function page(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ajet-chat</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The username + display name form of the setup and invite pages. */
export function personForm(options: {
  action: string;
  heading: string;
  intro: string;
  error?: string;
  values?: Record<string, string>;
}) {
  const v = options.values ?? {};
  return page(
    options.heading,
    html`<h1>${options.heading}</h1>
<p>${options.intro}</p>
${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ""}
<form method="post" action="${options.action}">
<label for="username">Username</label>
<input id="username" name="username" required maxlength="32" pattern="[a-z0-9][a-z0-9._\\-]*" autocomplete="username" value="${v.username ?? ""}">
<label for="display_name">Display name</label>
<input id="display_name" name="display_name" required maxlength="80" autocomplete="name" value="${v.display_name ?? ""}">
<button type="submit">Continue</button>
</form>`,
  );
}

export function messagePage(heading: string, text: string): SafeHtml {
  return page(heading, html`<h1>${heading}</h1><p>${text}</p>`);
}
