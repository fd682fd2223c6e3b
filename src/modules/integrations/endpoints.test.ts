import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { peerAvailable } from '../../../test/support/peers.ts';
import { apiUrlProblem, caBundleProblem, normalizeApiUrl } from './endpoints.ts';

describe('apiUrlProblem', () => {
  it('accepts https anywhere and http on loopback only', () => {
    expect(apiUrlProblem('https://k8s.example.com:6443')).toBeNull();
    expect(apiUrlProblem('https://rancher.example.com/k8s/clusters/c-1')).toBeNull();
    expect(apiUrlProblem('http://127.0.0.1:8001')).toBeNull();
    expect(apiUrlProblem('http://localhost:8001')).toBeNull();
    expect(apiUrlProblem('http://[::1]:8001')).toBeNull();
    expect(apiUrlProblem('http://k8s.example.com')).toMatch(/https/);
    expect(apiUrlProblem('http://10.0.0.1:6443')).toMatch(/https/);
    expect(apiUrlProblem('ftp://k8s.example.com')).toMatch(/https/);
  });

  it('refuses what is not a plain base URL', () => {
    expect(apiUrlProblem('k8s.example.com')).toMatch(/URL/);
    expect(apiUrlProblem('https://user:pw@k8s.example.com')).toMatch(/credentials/);
    expect(apiUrlProblem('https://k8s.example.com/?token=x')).toMatch(/query/);
  });

  it('normalizes away a trailing slash', () => {
    expect(normalizeApiUrl('https://k8s.example.com:6443/')).toBe('https://k8s.example.com:6443');
    expect(normalizeApiUrl('https://K8S.example.com/prefix/')).toBe('https://k8s.example.com/prefix');
  });
});

/** openssl makes the test certificates: node:crypto cannot issue X.509 certificates. */
const haveOpenssl = () => peerAvailable('openssl', '/usr/bin/openssl');

describe('caBundleProblem', () => {
  it('refuses text that holds no certificate', () => {
    expect(caBundleProblem('hello')).toMatch(/PEM/);
    expect(caBundleProblem('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n')).toMatch(/parse/);
  });

  it.skipIf(!haveOpenssl())('accepts real certificates and refuses a private key pasted with them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hx-ca-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=test-ca',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      const key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
      expect(caBundleProblem(cert)).toBeNull();
      expect(caBundleProblem(cert + cert)).toBeNull();
      expect(caBundleProblem(cert + key)).toMatch(/only certificates/);
      expect(caBundleProblem(`${cert}\ntrailing junk`)).toMatch(/only PEM/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
