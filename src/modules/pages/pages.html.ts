import { createHash } from "node:crypto";

// The pages the links in auth mails open. Plain HTML with one inline style and one inline
// script, both allowed by their hash, so the pages need no other route and no outside origin.

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; }
main { width: min(26rem, 100% - 2rem); padding: 2rem; border: 1px solid #8885; border-radius: 0.75rem; }
h1 { margin: 0 0 1rem; font-size: 1.4rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; margin-top: 0.25rem; padding: 0.5rem; font: inherit; }
button { margin-top: 1.25rem; padding: 0.6rem 1.2rem; font: inherit; font-weight: 600; cursor: pointer; }
.hint { margin: 0.5rem 0 0; font-size: 0.9rem; opacity: 0.8; }
.success, .error { margin: 1rem 0 0; padding: 0.75rem 1rem; border-radius: 0.5rem; }
.success { background: #1a7f3726; border: 1px solid #1a7f37; }
.error { background: #cf222e1f; border: 1px solid #cf222e; }
`;

// Reads the token from the link, posts it (with the new password, on the reset page) as JSON
// and shows the answer: the problem's detail and field messages, or the form's success text.
const SCRIPT = `
"use strict";
(function () {
  var form = document.querySelector("form");
  var output = document.getElementById("status");
  var token = new URLSearchParams(location.search).get("token");
  function show(kind, text) {
    output.className = kind;
    output.textContent = text;
    output.hidden = false;
  }
  function describe(problem, status) {
    var detail = typeof problem.detail === "string" ? problem.detail : "The server answered " + status + ".";
    var fields = Array.isArray(problem.errors) ? problem.errors : [];
    return [detail].concat(fields.map(function (field) {
      var isPassword = /(^|\\.)newPassword$/.test(String(field.path));
      return (isPassword ? "The password " : "") + field.message + ".";
    })).join(" ");
  }
  if (!token) {
    form.hidden = true;
    show("error", "This link has no token. Open the link from the email again.");
    return;
  }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var password = form.elements.namedItem("password");
    var again = form.elements.namedItem("again");
    if (password && password.value !== again.value) {
      show("error", "The two passwords differ.");
      return;
    }
    var body = password ? { token: token, newPassword: password.value } : { token: token };
    var button = form.querySelector("button");
    button.disabled = true;
    try {
      var response = await fetch(form.action, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
      if (response.ok) {
        form.hidden = true;
        show("success", form.dataset.success);
        return;
      }
      var problem = await response.json().catch(function () { return {}; });
      show("error", describe(problem, response.status));
    } catch (error) {
      show("error", "The server could not be reached. Check the connection and try again.");
    } finally {
      button.disabled = false;
    }
  });
})();
`;

function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

/** Exactly this page's style and script, and requests to its own origin. */
export const PAGE_CSP = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  scriptSrc: [cspHash(SCRIPT)],
  styleSrc: [cspHash(STYLE)],
};

function page(title: string, form: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${form}
<p id="status" role="status" hidden></p>
<noscript><p class="error">This page needs JavaScript to send the form.</p></noscript>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

// A button rather than sending on load: a mail scanner that opens the link spends no token.
export const verifyEmailPage = page(
  "Confirm your email address",
  `<form action="/api/auth/email/verify" method="post"
  data-success="Your email address is confirmed. You can close this page.">
<p>Confirm that this email address belongs to your account.</p>
<button type="submit">Confirm my email address</button>
</form>`,
);

export const resetPasswordPage = page(
  "Set a new password",
  `<form action="/api/auth/password/reset" method="post"
  data-success="Your password is changed and every session of your account is signed out. Sign in with the new password.">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
<label for="again">New password, again</label>
<input id="again" name="again" type="password" autocomplete="new-password" minlength="8" required>
<p class="hint">At least 8 characters; a few unrelated words make a strong one.</p>
<button type="submit">Set the new password</button>
</form>`,
);

export const confirmEmailChangePage = page(
  "Confirm your new email address",
  `<form action="/api/auth/email/change/confirm" method="post"
  data-success="Your account now signs in with this address. You can close this page.">
<p>Make this address the one your account signs in with.</p>
<button type="submit">Use this email address</button>
</form>`,
);

export const undoEmailChangePage = page(
  "Put your email address back",
  `<form action="/api/auth/email/change/undo" method="post"
  data-success="Your account signs in with this address again, and every session is signed out. Now reset your password.">
<p>Undo the change of your account's email address and sign every session out.</p>
<button type="submit">Put my email address back</button>
</form>`,
);
