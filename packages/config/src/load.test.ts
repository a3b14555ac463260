import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'jv-config-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadConfig', () => {
  it('reads YAML, resolves paths against the file, applies defaults and env overrides', () => {
    const file = write(
      'a.yaml',
      `issuers:
  - id: jpki-sign-2023
    group: jpki-sign
    caCert: certs/sign.pem
    crls: [crls/tokyo.crl, "http://127.0.0.1:9/crl/osaka.crl"]
    refresh: 24h
    ocsp: { url: "http://127.0.0.1:9/ocsp" }
watch:
  sinks: [{ file: events }]
`,
    );
    const cfg = loadConfig({ file, env: { REDIS_URL: 'redis://127.0.0.1:6379', PORT: '9090', API_KEYS: 'k1, k2' }, cwd: '/' });
    const issuer = cfg.issuers[0];
    expect(issuer?.caCertPath).toBe(join(dir, 'certs/sign.pem'));
    expect(issuer?.partitions).toEqual([
      { name: 'tokyo', source: join(dir, 'crls/tokyo.crl') },
      { name: 'osaka', source: 'http://127.0.0.1:9/crl/osaka.crl' },
    ]);
    expect(issuer?.refresh).toEqual({ intervalMs: 86_400_000 });
    expect(issuer?.mode).toBe('crl-first');
    expect(cfg.watch.schedule).toEqual({ cron: '0 9 * * *' });
    expect(cfg.watch.timeZone).toBe('Asia/Tokyo');
    expect(cfg.watch.sinks).toEqual([{ file: join(dir, 'events') }]);
    expect(cfg.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(cfg.port).toBe(9090);
    expect(cfg.apiKeys).toEqual([
      { key: 'k1', scopes: [] },
      { key: 'k2', scopes: [] },
    ]);
    expect(Object.isFrozen(cfg.issuers)).toBe(true);
  });

  it('maps reasons to meanings with the jpki profile by default, and a profile file overrides it', () => {
    const cfg = loadConfig({ env: {}, cwd: dir });
    expect(cfg.profile.meaning('affiliationChanged')).toBe('death_or_emigration');
    expect(cfg.profile.meaning('superseded')).toBe('basic_info_changed');
    expect(cfg.profile.meaning('cessationOfOperation')).toBe('card_lost_or_emigration');
    expect(cfg.profile.meaning('certificateHold')).toBe('suspended_card_lost');
    expect(cfg.profile.meaning('keyCompromise')).toBe('key_compromise');
    expect(cfg.profile.meaning('cACompromise')).toBe('ca_compromise');
    write('cps.yaml', 'cessationOfOperation: card_returned\n');
    const custom = loadConfig({ file: write('b.json', JSON.stringify({ profile: 'cps.yaml' })), env: {} });
    expect(custom.profile.meaning('cessationOfOperation')).toBe('card_returned');
    expect(custom.profile.meaning('affiliationChanged')).toBe('affiliation_changed');
  });

  it('lists every problem with the key that has it', () => {
    const file = write(
      'bad.yaml',
      'issuers:\n  - id: Bad_Id\n    group: g\n    refresh: soon\n  - id: x\n    group: g\n    caCert: c.pem\nbogus: 1\n',
    );
    try {
      loadConfig({ file, env: {} });
      expect.unreachable('config should have been refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/issuers\.0\.id/);
      expect(problems).toMatch(/issuers\.0\.caCert/);
      expect(problems).toMatch(/issuers\.0\.refresh/);
      expect(problems).toMatch(/bogus|Unrecognized/);
    }
  });

  it('names the file when it is not YAML', () => {
    const file = write('broken.yaml', 'issuers: [\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/broken\.yaml/);
  });

  it('API_KEYS: a key may carry scopes (`key:personal`); an unknown scope is refused without echoing the key', () => {
    const cfg = loadConfig({ env: { API_KEYS: 'plain-key, bank-key:personal ,both:personal+personal' } });
    expect(cfg.apiKeys).toEqual([
      { key: 'plain-key', scopes: [] },
      { key: 'bank-key', scopes: ['personal'] },
      { key: 'both', scopes: ['personal'] },
    ]);
    try {
      loadConfig({ env: { API_KEYS: 'ok-key,secret-key:admin,:personal' } });
      expect.unreachable('bad scopes should have been refused');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toEqual([
        'API_KEYS: entry 2 has unknown scope "admin" (known: personal)',
        'API_KEYS: entry 3 has no key before ":"',
      ]);
      expect(problems.join(' ')).not.toContain('secret-key');
    }
  });
});
