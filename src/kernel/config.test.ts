import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from './config.ts';

describe('configuration', () => {
  it('reads the example YAML file, with the environment winning', () => {
    const config = loadConfig({ HEXAPLANE_CONFIG: 'deploy/hexaplane.example.yaml', HEXAPLANE_PORT: '9090' });
    expect(config.publicUrl).toBe('https://hexaplane.example.com');
    expect(config.databasePoolSize).toBe(20);
    expect(config.trustProxy).toBe(true);
    expect(config.port).toBe(9090);
  });

  it('names the key and its variable when a value is wrong', () => {
    expect(() => loadConfig({ HEXAPLANE_PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    try {
      loadConfig({ HEXAPLANE_PORT: 'eighty', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      expect((error as Error).message).toContain('port (HEXAPLANE_PORT)');
      expect((error as Error).message).toContain('databaseUrl (DATABASE_URL)');
    }
  });

  it('prints no secret', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://hexaplane:s3cret@db.example.com:5432/hexaplane',
      HEXAPLANE_ADMIN_PASSWORD: 'a very long admin password',
      HEXAPLANE_SMTP_URL: 'smtp://mailer:pw@smtp.example.com:587',
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('s3cret');
    expect(printed).not.toContain('a very long admin password');
    expect(printed).not.toContain('mailer:pw');
    expect(printed).toContain('db.example.com');
  });

  it('allow-lists no egress range unless told, and reads a comma-separated list of CIDRs', () => {
    expect(loadConfig({}).egressAllowCidrs).toEqual([]);
    expect(loadConfig({ HEXAPLANE_EGRESS_ALLOW_CIDRS: '10.20.0.0/16, fd00:1::/64' }).egressAllowCidrs).toEqual(['10.20.0.0/16', 'fd00:1::/64']);
    expect(() => loadConfig({ HEXAPLANE_EGRESS_ALLOW_CIDRS: '10.20.0.0' })).toThrow(/egressAllowCidrs \(HEXAPLANE_EGRESS_ALLOW_CIDRS\)/);
  });
});
