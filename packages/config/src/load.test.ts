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
    crls: [{ source: crls/tokyo.crl, dirName: "CN=Tokyo,O=JPKI,C=JP" }, "http://127.0.0.1:9/crl/osaka.crl"]
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
      { name: 'tokyo', source: join(dir, 'crls/tokyo.crl'), scope: 'partition', uris: [], dirNames: ['CN=Tokyo,O=JPKI,C=JP'] },
      {
        name: 'osaka',
        source: 'http://127.0.0.1:9/crl/osaka.crl',
        scope: 'partition',
        uris: ['http://127.0.0.1:9/crl/osaka.crl'],
        dirNames: [],
      },
    ]);
    expect(issuer?.fetch).toEqual({ concurrency: 4, attempts: 3, backoffMs: 1000 });
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

  it('rateLimit: 1,000 a second with bursts of 2,000 unless the config says otherwise; false turns it off', () => {
    expect(loadConfig({ env: {}, cwd: dir }).rateLimit).toEqual({ requestsPerSecond: 1_000, burst: 2_000 });
    const write = (name: string, text: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    expect(loadConfig({ file: write('rl-1.yaml', 'rateLimit: { perSecond: 50 }\n'), env: {} }).rateLimit).toEqual({
      requestsPerSecond: 50,
      burst: 100,
    });
    expect(loadConfig({ file: write('rl-2.yaml', 'rateLimit: { perSecond: 5000, burst: 6000 }\n'), env: {} }).rateLimit).toEqual({
      requestsPerSecond: 5_000,
      burst: 6_000,
    });
    expect(loadConfig({ file: write('rl-3.yaml', 'rateLimit: false\n'), env: {} }).rateLimit).toBeNull();
    expect(() => loadConfig({ file: write('rl-4.yaml', 'rateLimit: { perSecond: 0 }\n'), env: {} })).toThrow(/rateLimit/);
    expect(() => loadConfig({ file: write('rl-5.yaml', 'rateLimit: true\n'), env: {} })).toThrow(/rateLimit/);
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
        'API_KEYS: entry 2 has unknown scope "admin" (known: personal, audit)',
        'API_KEYS: entry 3 has no key before ":"',
      ]);
      expect(problems.join(' ')).not.toContain('secret-key');
    }
  });

  describe('CRL slots and partitions', () => {
    const issuerWith = (crls: unknown, extra: Record<string, unknown> = {}) =>
      loadConfig({
        file: write(`p-${Math.random()}.json`, JSON.stringify({ issuers: [{ id: 'ca', group: 'g', caCert: 'c.pem', crls, ...extra }] })),
        env: {},
      }).issuers[0];

    it('one CRL is the full CRL unless declared a partition; several are partitions', () => {
      expect(issuerWith(['http://h/full.crl'])?.partitions).toEqual([
        { name: 'full', source: 'http://h/full.crl', scope: 'full', uris: ['http://h/full.crl'], dirNames: [] },
      ]);
      expect(issuerWith([{ source: 'http://h/p7.crl', scope: 'partition' }])?.partitions[0]?.scope).toBe('partition');
      expect(issuerWith(['http://h/a.crl', 'http://h/b.crl'])?.partitions.map((p) => p.scope)).toEqual(['partition', 'partition']);
      // a full CRL read from a file needs no names: it must carry no distribution point
      expect(issuerWith(['full.crl'])?.partitions[0]).toMatchObject({ scope: 'full', uris: [], dirNames: [] });
    });

    it('the set form: a range with URL and directoryName templates', () => {
      const issuer = issuerWith(
        { partitions: 'p0000-p0002', template: 'http://h/crl/{partition}.crl', dirName: 'CN={partition},OU=Muni,O=JPKI,C=JP' },
        { fetch: { concurrency: 16, attempts: 5, backoffSeconds: 0.5 } },
      );
      expect(issuer?.partitions).toEqual(
        ['p0000', 'p0001', 'p0002'].map((p) => ({
          name: p,
          source: `http://h/crl/${p}.crl`,
          scope: 'partition',
          uris: [`http://h/crl/${p}.crl`],
          dirNames: [`CN=${p},OU=Muni,O=JPKI,C=JP`],
        })),
      );
      expect(issuer?.fetch).toEqual({ concurrency: 16, attempts: 5, backoffMs: 500 });
      expect(issuerWith({ partitions: 'm8-10', template: 'http://h/{partition}' })?.partitions.map((p) => p.name)).toEqual([
        'm8',
        'm9',
        'm10',
      ]);
      expect(issuerWith({ partitions: ['tokyo', 'osaka'], template: 'http://h/{partition}.crl' })?.partitions.map((p) => p.source)).toEqual(
        ['http://h/tokyo.crl', 'http://h/osaka.crl'],
      );
    });

    it('the set form: a listing file (the simulator writes one) with urls and directory names; a template wins for fetching', () => {
      const listing = write(
        'listing.json',
        JSON.stringify({
          partitions: [
            { name: 'p0000', url: 'http://sim/crl/ca/p0000.crl', dirName: 'CN=p0000,O=Sim,C=JP' },
            { name: 'p0001', url: 'http://sim/crl/ca/p0001.crl' },
          ],
        }),
      );
      expect(issuerWith({ partitions: 'listing.json' })?.partitions).toEqual([
        {
          name: 'p0000',
          source: 'http://sim/crl/ca/p0000.crl',
          scope: 'partition',
          uris: ['http://sim/crl/ca/p0000.crl'],
          dirNames: ['CN=p0000,O=Sim,C=JP'],
        },
        { name: 'p0001', source: 'http://sim/crl/ca/p0001.crl', scope: 'partition', uris: ['http://sim/crl/ca/p0001.crl'], dirNames: [] },
      ]);
      const mirrored = issuerWith({ partitions: listing, template: 'mirror/{partition}.crl' })?.partitions[0];
      expect(mirrored).toEqual({
        name: 'p0000',
        source: join(dir, 'mirror/p0000.crl'),
        scope: 'partition',
        uris: ['http://sim/crl/ca/p0000.crl'],
        dirNames: ['CN=p0000,O=Sim,C=JP'],
      });
    });

    it('refuses what cannot bind a scope, naming the key', () => {
      const problems = (crls: unknown): string => {
        try {
          issuerWith(crls);
        } catch (error) {
          if (error instanceof ConfigError) return error.problems.join('\n');
          throw error;
        }
        return '';
      };
      expect(problems(['a.crl', 'b.crl'])).toMatch(/issuers\.0\.crls\.0: a partition read from a file needs "url" or "dirName"/);
      expect(problems([{ source: 'http://h/a.crl', dirName: 'CN=a,Bogus=x' }, 'http://h/b.crl'])).toMatch(
        /issuers\.0\.crls\.0\.dirName: distinguished name .*unknown attribute type "Bogus"/,
      );
      expect(problems({ partitions: 'p0-p3', template: 'http://h/all.crl' })).toMatch(/issuers\.0\.crls\.template: needs "\{partition\}"/);
      expect(problems({ partitions: ['a', 'b'] })).toMatch(/partition "a" has no url in the listing and no template/);
      expect(problems({ partitions: 'no-such-listing.json' })).toMatch(
        /issuers\.0\.crls\.partitions: "no-such-listing\.json" is neither a range/,
      );
      write('bad-listing.json', JSON.stringify({ partitions: [{ url: 'http://x' }] }));
      expect(problems({ partitions: 'bad-listing.json' })).toMatch(/listing .*bad-listing\.json: partitions\.0\.name/);
      expect(problems(['http://h/p.crl', 'http://g/p.crl'])).toMatch(/two partitions named "p"/);
    });
  });
});
