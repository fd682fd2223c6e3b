import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { unwrap } from '../../sdk/index.ts';
import { contextOf } from '../context.ts';
import { collect, print, printMessage } from '../output.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const connectionColumns = [
  { header: 'ID', value: (c: Any) => c.id },
  { header: 'NAME', value: (c: Any) => c.name },
  { header: 'KIND', value: (c: Any) => `${c.kind}/${c.preset}` },
  { header: 'ENABLED', value: (c: Any) => (c.enabled ? 'yes' : 'no') },
  { header: 'JIT', value: (c: Any) => (c.jitProvisioning ? 'yes' : 'no') },
  { header: 'IDP', value: (c: Any) => c.oidc?.discoveryUrl ?? c.saml?.idpEntityId ?? '' },
  { header: 'MAPPINGS', value: (c: Any) => (c.mappings as unknown[]).length },
];

/** One connection in full: what to paste into the IdP, and its mappings. */
const connectionDetail = [
  ...connectionColumns,
  { header: 'REDIRECT / ACS URL', value: (c: Any) => c.redirectUri },
  { header: 'SP ENTITY ID', value: (c: Any) => c.saml?.spEntityId ?? '' },
  { header: 'START URL', value: (c: Any) => c.startUrl },
];

const mappingColumns = [
  { header: 'CLAIM', value: (m: Any) => m.claim },
  { header: 'VALUE', value: (m: Any) => m.value },
  { header: 'ROLE', value: (m: Any) => m.roleId },
  { header: 'SCOPE', value: (m: Any) => `${m.scope.type}/${m.scope.id}` },
];

const domainColumns = [
  { header: 'ID', value: (d: Any) => d.id },
  { header: 'DOMAIN', value: (d: Any) => d.domain },
  { header: 'VERIFIED', value: (d: Any) => (d.verified ? `yes (${d.verifiedAt})` : 'no') },
  { header: 'ENFORCE SSO', value: (d: Any) => (d.enforceSso ? 'yes' : 'no') },
  { header: 'TXT RECORD', value: (d: Any) => (d.verified ? '' : `${d.txtRecord.name} TXT "${d.txtRecord.value}"`) },
];

const traceColumns = [
  { header: 'AT', value: (t: Any) => t.at },
  { header: 'OUTCOME', value: (t: Any) => t.outcome },
  { header: 'PURPOSE', value: (t: Any) => t.purpose },
  { header: 'REASON', value: (t: Any) => t.reason },
  { header: 'SUBJECT', value: (t: Any) => t.subject ?? '' },
  { header: 'DETAIL', value: (t: Any) => t.detail },
];

/** A file's text, or standard input for `-` (secrets stay out of the process list and shell history). */
function readText(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

const secretOf = (file: string) => readText(file).trim();

/** `--x` / `--no-x` as a boolean, or undefined when neither was given. */
function flag(o: Any, name: string): boolean | undefined {
  return typeof o[name] === 'boolean' ? o[name] : undefined;
}

function oidcBody(o: Any, creating: boolean): Any | undefined {
  const body: Any = {
    ...(o.discoveryUrl ? { discoveryUrl: o.discoveryUrl } : {}),
    ...(o.tenantId ? { tenantId: o.tenantId } : {}),
    ...(o.clientId ? { clientId: o.clientId } : {}),
    ...(o.clientSecretFile ? { clientSecret: secretOf(o.clientSecretFile) } : {}),
    ...(o.scope ? { scopes: o.scope } : {}),
  };
  if (creating && (!body.clientId || !body.clientSecret)) throw new Error('an OIDC connection needs --client-id and --client-secret-file');
  return Object.keys(body).length ? body : undefined;
}

function samlBody(o: Any, creating: boolean): Any | undefined {
  const body: Any = {
    ...(creating && o.metadataUrl ? { metadataUrl: o.metadataUrl } : {}),
    ...(creating && o.metadataFile ? { metadataXml: readText(o.metadataFile) } : {}),
    ...(creating && o.idpEntityId ? { idpEntityId: o.idpEntityId } : {}),
    ...(creating && o.ssoUrl ? { ssoUrl: o.ssoUrl } : {}),
    ...(o.idpCertFile ? { idpCerts: (o.idpCertFile as string[]).map(readText) } : {}),
    ...(flag(o, 'allowIdpInitiated') !== undefined ? { allowIdpInitiated: o.allowIdpInitiated } : {}),
    ...(flag(o, 'wantResponseSigned') !== undefined ? { wantResponseSigned: o.wantResponseSigned } : {}),
    ...(o.clockSkew !== undefined ? { clockSkewSeconds: Number(o.clockSkew) } : {}),
  };
  return Object.keys(body).length || creating ? body : undefined;
}

/** `hexaplane sso connection ...`: connections to the organization's identity providers. */
function connectionCommands(sso: Command): void {
  const connection = sso.command('connection').description('Connections to identity providers (OIDC, SAML)');

  connection.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/sso-connections', { params: { path: { orgId }, query: { limit: 100 } } })).items, connectionColumns);
  });

  connection.command('get <connectionId>').description('One connection, with the values to paste into the IdP and its mappings').action(async (connectionId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const found = unwrap(await client.GET('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId } } }));
    print(output, found, connectionDetail);
    if (output === 'table' && found.mappings.length) print(output, found.mappings, mappingColumns);
  });

  connection.command('create <name>')
    .description('Create a connection (disabled until `enable`)')
    .requiredOption('--kind <kind>', 'oidc or saml')
    .option('--preset <preset>', 'okta, entra, google or generic', 'generic')
    .option('--discovery-url <url>', 'OIDC: the issuer or its /.well-known/openid-configuration URL')
    .option('--tenant-id <id>', 'OIDC with --preset entra: the directory (tenant) id')
    .option('--client-id <id>', 'OIDC: the client id the IdP gave')
    .option('--client-secret-file <file>', 'OIDC: a file holding the client secret (- for standard input)')
    .option('--scope <scope>', 'OIDC: a scope to ask for (repeatable; default per preset)', collect)
    .option('--metadata-url <url>', 'SAML: where to fetch the IdP metadata from')
    .option('--metadata-file <file>', 'SAML: the IdP metadata XML (- for standard input)')
    .option('--idp-entity-id <id>', 'SAML without metadata: the IdP entity id')
    .option('--sso-url <url>', 'SAML without metadata: the IdP single sign-on URL')
    .option('--idp-cert-file <file>', 'SAML: an IdP signing certificate, PEM (repeatable, two during a rollover)', collect)
    .option('--allow-idp-initiated', 'SAML: accept responses that answer no request of ours')
    .option('--want-response-signed', 'SAML: require the whole response signed too')
    .option('--clock-skew <seconds>', 'SAML: tolerated clock difference')
    .option('--no-jit', 'do not create users on their first sign-in')
    .action(async (name: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      if (o.kind !== 'oidc' && o.kind !== 'saml') throw new Error('--kind must be oidc or saml');
      const body = {
        name,
        kind: o.kind,
        preset: o.preset,
        jitProvisioning: o.jit !== false,
        ...(o.kind === 'oidc' ? { oidc: oidcBody(o, true) } : { saml: samlBody(o, true) }),
      };
      print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/sso-connections', { params: { path: { orgId } }, body: body as never })), connectionDetail);
    });

  connection.command('update <connectionId>')
    .option('--name <name>')
    .option('--discovery-url <url>', 'OIDC')
    .option('--tenant-id <id>', 'OIDC, Entra ID')
    .option('--client-id <id>', 'OIDC')
    .option('--client-secret-file <file>', 'OIDC: a new client secret from a file (- for standard input)')
    .option('--scope <scope>', 'OIDC: replace the scopes (repeatable)', collect)
    .option('--idp-cert-file <file>', 'SAML: replace the IdP signing certificates (repeatable)', collect)
    .option('--allow-idp-initiated', 'SAML')
    .option('--no-allow-idp-initiated', 'SAML')
    .option('--want-response-signed', 'SAML')
    .option('--no-want-response-signed', 'SAML')
    .option('--clock-skew <seconds>', 'SAML')
    .option('--jit', 'create users on their first sign-in')
    .option('--no-jit', 'only users who already exist may sign in')
    .action(async (connectionId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const oidc = oidcBody(o, false);
      const saml = samlBody(o, false);
      const body = {
        ...(o.name ? { name: o.name } : {}),
        ...(flag(o, 'jit') !== undefined ? { jitProvisioning: o.jit } : {}),
        ...(oidc ? { oidc } : {}),
        ...(saml ? { saml } : {}),
      };
      if (Object.keys(body).length === 0) throw new Error('nothing to change: give at least one option');
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId } }, body: body as never })), connectionDetail);
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    connection.command(`${verb} <connectionId>`).action(async (connectionId: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId } }, body: { enabled } })), connectionColumns);
    });
  }

  connection.command('test <connectionId>')
    .description('Start a test sign-in: open the URL, sign in at the IdP, then read `sso traces`')
    .action(async (connectionId: string, _o, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const started = unwrap(await client.POST('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/test', { params: { path: { orgId, connectionId } } }));
      printMessage(output, `open this URL in a browser to sign in at the identity provider (until ${started.expiresAt}):\n${started.authorizationUrl}\nthen: hexaplane sso traces ${connectionId}`, started);
    });

  connection.command('mappings <connectionId>')
    .description('Show the group/attribute → role mappings, or replace them with --file')
    .option('--file <file>', 'a JSON array of {claim, value, roleId, scope: {type, id}} (- for standard input); replaces the list')
    .action(async (connectionId: string, o: { file?: string }, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const path = { orgId, connectionId };
      if (!o.file) {
        print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path } })).mappings, mappingColumns);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(readText(o.file));
      } catch (error) {
        throw new Error(`${o.file} is not JSON: ${(error as Error).message}`);
      }
      const mappings = Array.isArray(parsed) ? parsed : (parsed as Any)?.mappings;
      const saved = unwrap(await client.PUT('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/mappings', { params: { path }, body: { mappings } as never }));
      print(output, saved.mappings, mappingColumns);
    });

  connection.command('delete <connectionId>').description('Delete a connection and the role bindings its mappings made').action(async (connectionId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/sso-connections/{connectionId}', { params: { path: { orgId, connectionId } } }));
    printMessage(output, `deleted ${connectionId}`, { id: connectionId, deleted: true });
  });
}

/** `hexaplane sso domain ...`: domains the organization proves it owns by a DNS TXT record. */
function domainCommands(sso: Command): void {
  const domain = sso.command('domain').description('Verified domains: e-mail-first routing and SSO enforcement');

  domain.command('list').action(async (_o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/domains', { params: { path: { orgId }, query: { limit: 100 } } })).items, domainColumns);
  });

  domain.command('get <domainId>').action(async (domainId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/domains/{domainId}', { params: { path: { orgId, domainId } } })), domainColumns);
  });

  domain.command('add <domain>').description('Claim a domain; publish the TXT record it prints, then `verify`').action(async (name: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    const claimed = unwrap(await client.POST('/api/v1/orgs/{orgId}/domains', { params: { path: { orgId } }, body: { domain: name } }));
    printMessage(output, `${claimed.id}\npublish this DNS record, then run: hexaplane sso domain verify ${claimed.id}\n${claimed.txtRecord.name} TXT "${claimed.txtRecord.value}"`, claimed);
  });

  domain.command('verify <domainId>').description('Look for the TXT record now').action(async (domainId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.POST('/api/v1/orgs/{orgId}/domains/{domainId}/verify', { params: { path: { orgId, domainId } } })), domainColumns);
  });

  domain.command('update <domainId>')
    .option('--enforce-sso', 'addresses of this domain must sign in through the IdP')
    .option('--no-enforce-sso', 'allow password sign-in again')
    .option('--break-glass <userId>', 'a user who may still sign in with a password (repeatable; replaces the list)', collect)
    .action(async (domainId: string, o: Any, cmd: Command) => {
      const { client, output, orgId } = contextOf(cmd);
      const body = { ...(flag(o, 'enforceSso') !== undefined ? { enforceSso: o.enforceSso } : {}), ...(o.breakGlass ? { breakGlassUserIds: o.breakGlass } : {}) };
      if (Object.keys(body).length === 0) throw new Error('nothing to change: give --enforce-sso, --no-enforce-sso or --break-glass');
      print(output, unwrap(await client.PATCH('/api/v1/orgs/{orgId}/domains/{domainId}', { params: { path: { orgId, domainId } }, body: body as never })), domainColumns);
    });

  domain.command('delete <domainId>').description('Give the domain up: its addresses stop routing to single sign-on').action(async (domainId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    unwrap(await client.DELETE('/api/v1/orgs/{orgId}/domains/{domainId}', { params: { path: { orgId, domainId } } }));
    printMessage(output, `deleted ${domainId}`, { id: domainId, deleted: true });
  });
}

/** `hexaplane sso`: connections, domains and the sign-in traces that explain failures. */
export function ssoCommands(program: Command): void {
  const sso = program.command('sso').description('Single sign-on: connections, verified domains, sign-in traces');
  connectionCommands(sso);
  domainCommands(sso);
  sso.command('traces <connectionId>').description('The last 100 sign-in failures and test results of a connection').action(async (connectionId: string, _o, cmd: Command) => {
    const { client, output, orgId } = contextOf(cmd);
    print(output, unwrap(await client.GET('/api/v1/orgs/{orgId}/sso-connections/{connectionId}/traces', { params: { path: { orgId, connectionId } } })).items, traceColumns);
  });
}
