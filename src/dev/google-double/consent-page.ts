// HTML the double serves in place of Google's account chooser / consent screen and error page.
// Plain HTML with no scripts, so browser-driven tests can click "Continue as ..." buttons.

import type { DoubleUser } from './types.js';

export const APPROVE_PATH = '/o/oauth2/v2/auth/approve';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#202124}
h1{font-size:1.4rem;font-weight:400}ul{list-style:none;padding:0}li{margin:.5rem 0}
button{width:100%;padding:.75rem;border:1px solid #dadce0;border-radius:.5rem;background:#fff;font-size:1rem;
text-align:left;cursor:pointer}button:hover{background:#f1f3f4}.hint{border-color:#1a73e8}
.email{display:block;color:#5f6368;font-size:.85rem}.scopes{color:#5f6368;font-size:.85rem;word-break:break-all}`;

export function renderConsentPage(options: {
  requestId: string;
  clientId: string;
  scope: string;
  users: DoubleUser[];
  loginHint?: string;
}): string {
  const hint = options.loginHint?.toLowerCase();
  // The hinted account goes first and is highlighted, like Google's chooser.
  const users = [...options.users].sort(
    (a, b) => Number(b.email.toLowerCase() === hint) - Number(a.email.toLowerCase() === hint),
  );
  const items = users
    .map((user) => {
      const cls = user.email.toLowerCase() === hint ? ' class="hint"' : '';
      return `<li><button type="submit" name="email" value="${escapeHtml(user.email)}"${cls}>Continue as ${escapeHtml(
        user.name,
      )}<span class="email">${escapeHtml(user.email)}</span></button></li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Google Accounts (test double)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><h1>Choose an account</h1>
<p>to continue to <strong>${escapeHtml(options.clientId)}</strong></p>
<p class="scopes">Requested access: ${escapeHtml(options.scope)}</p>
<form method="post" action="${APPROVE_PATH}">
<input type="hidden" name="request_id" value="${escapeHtml(options.requestId)}">
<ul>
${items}
</ul>
<p><button type="submit" name="deny" value="1">Cancel</button></p>
</form></body></html>`;
}

/** Google's "Access blocked" page: shown instead of redirecting when the client or redirect is bad. */
export function renderErrorPage(error: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error 400 (${escapeHtml(error)})</title>
<style>${STYLE}</style></head>
<body><h1>Access blocked: this app's request is invalid</h1>
<p>Error 400: <code>${escapeHtml(error)}</code></p>
<p>${escapeHtml(message)}</p></body></html>`;
}
