/**
 * A real OpenID Provider on loopback (oidc-provider 8), shaped like Okta (issuer at the root,
 * `groups` scope) or like Entra ID (issuer `/<tenant>/v2.0`, `groups` in the ID token, the
 * overage markers). The interaction signs in whichever account `nextAccount` names, with the
 * given `amr`, so a test drives the whole code flow with plain HTTP.
 *
 * With `loginForm`, the interaction is the IdP's own sign-in page instead: an HTML form a
 * browser fills in (e-mail and password of one of `accounts`), as Okta's hosted page is.
 *
 * `tamper` rewrites the next ID tokens the token endpoint returns (re-signed with the IdP's own
 * key unless `alg: none` or a foreign key is wanted): the rejections a relying party must make.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface IdpAccount {
  email: string;
  name?: string;
  groups?: string[];
  department?: string;
  costCenter?: string;
  /** Entra ID's overage: no groups, a pointer to Graph instead. */
  overage?: boolean;
  /** What the login form (`loginForm`) checks; the plain-HTTP interaction ignores it. */
  password?: string;
}

export type Tamper =
  | { kind: 'claims'; claims: Record<string, unknown> }
  | { kind: 'alg-none' }
  | { kind: 'foreign-key' };

export interface TestIdp {
  issuer: string;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  nextAccount: string;
  amr: string[];
  tamper: Tamper | null;
  accounts: Map<string, IdpAccount>;
  /** Sign-ins completed on the login form, and the failed attempts it refused. */
  formSignIns: { ok: number; refused: number };
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The IdP's hosted sign-in page (the look does not matter; the form and its fields do). */
function loginPage(action: string, issuer: string, error: string | null, email = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in - test IdP</title></head><body>
<h1 data-testid="idp-title">Sign in to ${escapeHtml(issuer)}</h1>
${error ? `<p role="alert" data-testid="idp-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label>E-mail <input name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" data-testid="idp-email"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" data-testid="idp-password"></label>
<button type="submit" data-testid="idp-submit">Sign in</button>
</form></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startOidcIdp(options: { flavor: 'okta' | 'entra'; redirectUri: string; tenantId?: string; loginForm?: boolean }): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const foreign = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const prefix = options.flavor === 'entra' ? `/${options.tenantId ?? '9188040d-6c67-4c5b-b112-36a304b66dad'}/v2.0` : '';
  const issuer = `http://127.0.0.1:${port}${prefix}`;
  const clientId = options.flavor === 'entra' ? '00000000-aaaa-bbbb-cccc-000000000001' : '0oa1testclient';
  const clientSecret = 'test-client-secret-0123456789';
  const accounts = new Map<string, IdpAccount>();

  const groupClaims = options.flavor === 'entra' ? ['groups', '_claim_names', 'hasgroups', 'department', 'costCenter'] : [];
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [jwk] },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          const base = { sub: id, email: account.email, email_verified: true, name: account.name ?? account.email, department: account.department, costCenter: account.costCenter };
          if (account.overage) return { ...base, hasgroups: true, _claim_names: { groups: 'src1' } };
          return { ...base, groups: account.groups ?? [] };
        },
      };
    },
    claims: {
      openid: ['sub', 'amr', ...groupClaims],
      email: ['email', 'email_verified'],
      profile: ['name', 'department', 'costCenter'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    // Scope claims in the ID token itself, as Okta and Entra ID send them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    pkce: { required: () => true, methods: ['S256'] },
    cookies: { keys: ['test-idp-cookie-key'] },
    // The loopback IdP is plain http; oidc-provider wants to know that is on purpose.
    clientBasedCORS: () => true,
  });
  provider.proxy = false;
  const callback = provider.callback();

  const idp: TestIdp = {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    nextAccount: '',
    amr: ['pwd'],
    tamper: null,
    accounts,
    formSignIns: { ok: 0, refused: 0 },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function finishInteraction(req: http.IncomingMessage, res: http.ServerResponse, accountId = idp.nextAccount) {
    const details = await provider.interactionDetails(req, res);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant!.addOIDCScope(String(details.params.scope));
    const grantId = await grant!.save();
    await provider.interactionFinished(req, res, { login: { accountId, amr: idp.amr }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  async function tamperTokenResponse(body: string): Promise<string> {
    const tamper = idp.tamper;
    const parsed = JSON.parse(body) as { id_token?: string };
    if (!tamper || !parsed.id_token) return body;
    const claims = decodeJwt(parsed.id_token);
    const header = decodeProtectedHeader(parsed.id_token);
    if (tamper.kind === 'alg-none') {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      parsed.id_token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    } else {
      const payload = tamper.kind === 'claims' ? { ...claims, ...tamper.claims } : claims;
      const key = tamper.kind === 'foreign-key' ? foreign : privateKey;
      parsed.id_token = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: header.kid ?? 'test-key' }).sign(key);
    }
    return JSON.stringify(parsed);
  }

  /** GET shows the sign-in form; its POST checks e-mail and password, then finishes the interaction. */
  async function loginInteraction(req: http.IncomingMessage, res: http.ServerResponse, inner: string) {
    const details = await provider.interactionDetails(req, res);
    const action = `${prefix}/interaction/${details.uid}/login`;
    const send = (status: number, html: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    };
    if (req.method === 'GET' && inner === `/interaction/${details.uid}`) return send(200, loginPage(action, issuer, null));
    if (req.method !== 'POST' || inner !== `/interaction/${details.uid}/login`) return send(404, 'not found');
    const form = await readForm(req);
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const found = [...accounts].find(([, a]) => a.email.toLowerCase() === email && a.password !== undefined && a.password === form.get('password'));
    if (!found) {
      idp.formSignIns.refused += 1;
      return send(200, loginPage(action, issuer, 'Unknown e-mail or wrong password.', email));
    }
    idp.formSignIns.ok += 1;
    await finishInteraction(req, res, found[0]);
  }

  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    if (prefix && !url.startsWith(prefix)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const inner = url.slice(prefix.length) || '/';
    (req as http.IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = inner;
    if (inner.startsWith('/interaction/')) {
      (options.loginForm ? loginInteraction(req, res, inner) : finishInteraction(req, res)).catch((error: Error) => {
        res.statusCode = 500;
        res.end(error.message);
      });
      return;
    }
    if (inner.startsWith('/token') && idp.tamper) {
      // Hold the provider's response back, rewrite its ID token, then send it.
      const end = res.end.bind(res);
      res.end = ((chunk?: unknown) => {
        tamperTokenResponse(String(chunk ?? ''))
          .then((body) => {
            res.setHeader('content-length', Buffer.byteLength(body));
            end(body);
          })
          .catch(() => end(chunk as string));
        return res;
      }) as typeof res.end;
    }
    void callback(req, res);
  });

  return idp;
}
