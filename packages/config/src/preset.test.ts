import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, pickLabelLanguage, BUILT_IN_LABELS, TRUST_ANCHORS_DIR } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'jv-preset-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const problemsOf = (file: string, nowMs?: number): string => {
  try {
    loadConfig({ file, env: {}, ...(nowMs === undefined ? {} : { nowMs }) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('config should have been refused');
};

const AFTER_2015_EXPIRY = Date.parse('2026-01-01T00:00:00Z');
const BEFORE_2015_EXPIRY = Date.parse('2025-01-01T00:00:00Z');

describe('the jpki issuer preset', () => {
  it('gives every shipped generation, grouped, the operator adding only sources; an expired CA is retired with a notice', () => {
    const file = write(
      'preset.yaml',
      `issuers:
  preset: jpki
  groups:
    jpki-sign: { ocsp: { url: "https://ocsp.example/sign" } }
    jpki-auth: { ocsp: { url: "https://ocsp.example/auth" }, mode: ocsp-only }
  cas:
    jpki-sign-2023: { crls: ["https://crl.example/sign-2023.crl"] }
    jpki-sign-2019: { caCert: certs/sign_ca_2019.pem, crls: ["https://crl.example/sign-2019.crl"] }
    jpki-smartphone-sign-2023: { caCert: certs/sp-sign.pem, ocsp: { url: "https://ocsp.example/smartphone" } }
`,
    );
    const cfg = loadConfig({ file, env: {}, nowMs: AFTER_2015_EXPIRY });
    const byId = new Map(cfg.issuers.map((i) => [i.id, i]));
    expect([...byId.keys()]).toEqual([
      'jpki-sign-2015',
      'jpki-sign-2023',
      'jpki-auth-2015',
      'jpki-auth-2023',
      'jpki-sign-2019',
      'jpki-smartphone-sign-2023',
    ]);
    expect(byId.get('jpki-sign-2023')).toMatchObject({
      group: 'jpki-sign',
      kind: 'sign',
      medium: 'card',
      retired: false,
      caCertPath: join(TRUST_ANCHORS_DIR, 'sign_ca_2023.pem'),
      partitions: [{ name: 'sign-2023', source: 'https://crl.example/sign-2023.crl' }],
      ocsp: { url: 'https://ocsp.example/sign', responderCertPath: null, maxQueriesPerMinute: null },
      policies: { sign: ['1.2.392.200149.8.5.1.1.20'], auth: ['1.2.392.200149.8.5.1.3.30'] },
    });
    // the one line that adds the non-public 2019 generation
    expect(byId.get('jpki-sign-2019')).toMatchObject({
      group: 'jpki-sign',
      kind: 'sign',
      medium: 'card',
      caCertPath: join(dir, 'certs/sign_ca_2019.pem'),
    });
    expect(byId.get('jpki-smartphone-sign-2023')).toMatchObject({ group: 'jpki-smartphone-sign', kind: 'sign', medium: 'smartphone' });
    expect(byId.get('jpki-auth-2023')).toMatchObject({ mode: 'ocsp-only', ocsp: { url: 'https://ocsp.example/auth' } });
    expect(byId.get('jpki-sign-2015')?.retired).toBe(true);
    expect(byId.get('jpki-auth-2015')?.retired).toBe(true);
    expect(cfg.notices).toEqual([
      'jpki-sign-2015: CA certificate expired on 2025-10-19T14:59:59Z: loaded as retired, never as an active generation',
      'jpki-auth-2015: CA certificate expired on 2025-10-19T14:59:59Z: loaded as retired, never as an active generation',
    ]);
    // before it expired, the 2015 generation was an active one
    const earlier = loadConfig({ file, env: {}, nowMs: BEFORE_2015_EXPIRY });
    expect(earlier.issuers.find((i) => i.id === 'jpki-sign-2015')?.retired).toBe(false);
  });

  it('names the key of every problem', () => {
    const file = write(
      'bad-preset.yaml',
      `issuers:
  preset: jpki
  groups:
    jpki-sign: { ocsp: { url: "not a url" } }
    jpki-nothing: { mode: crl-only }
  cas:
    jpki-auth-2023: { crls: [] }
    jpki-sign-2019: { crls: ["https://crl.example/x.crl"] }
    my-own-ca: { caCert: x.pem, crls: ["https://crl.example/y.crl"] }
    jpki-smartphone-auth-2023: { caCert: sp.pem, medium: card, ocsp: { url: "https://o.example/" } }
    jpki-sign-2015: { retired: false }
`,
    );
    const problems = problemsOf(file, AFTER_2015_EXPIRY);
    expect(problems).toMatch(/issuers\.groups\.jpki-sign\.ocsp\.url/);
    const file2 = write(
      'bad-preset-2.yaml',
      `issuers:
  preset: jpki
  groups:
    jpki-nothing: { mode: crl-only }
  cas:
    jpki-sign-2023: { crls: ["https://crl.example/a.crl"] }
    jpki-auth-2023: { crls: [] }
    jpki-sign-2019: { crls: ["https://crl.example/x.crl"] }
    my-own-ca: { caCert: x.pem, crls: ["https://crl.example/y.crl"] }
    jpki-sign-2015: { retired: false }
`,
    );
    const problems2 = problemsOf(file2, AFTER_2015_EXPIRY);
    expect(problems2).toMatch(/issuers\.cas\.jpki-auth-2023: give crls/);
    expect(problems2).toMatch(/issuers\.cas\.jpki-sign-2019\.caCert: jpki-sign-2019 is not shipped/);
    expect(problems2).toMatch(/issuers\.cas\.my-own-ca\.group: cannot tell the group/);
    expect(problems2).toMatch(/issuers\.cas\.jpki-sign-2015\.retired: .*expired on 2025-10-19/);
    expect(problems2).toMatch(/issuers\.groups\.jpki-nothing: no CA of the preset is in this group/);
  });

  it('leaves a shipped CA out with false, and refuses a group that mixes media', () => {
    const file = write(
      'mixed.yaml',
      `issuers:
  preset: jpki
  cas:
    jpki-sign-2023: { crls: ["https://crl.example/a.crl"] }
    jpki-auth-2023: false
    jpki-sign-2030: { caCert: sp.pem, medium: smartphone, ocsp: { url: "https://o.example/" } }
`,
    );
    expect(problemsOf(file, AFTER_2015_EXPIRY)).toMatch(
      /issuers\.cas\.jpki-sign-2030\.medium: group "jpki-sign" mixes card and smartphone/,
    );
    const list = write(
      'mixed-list.yaml',
      `issuers:
  - { id: a-2023, group: a, caCert: a.pem, crls: [a.crl] }
  - { id: a-sp, group: a, caCert: b.pem, crls: [b.crl], medium: smartphone, policies: { sign: ["1.2.3"] } }
`,
    );
    expect(problemsOf(list)).toMatch(/issuers\.1\.medium: group "a" mixes card and smartphone/);
  });
});

describe('operator facts and labels', () => {
  it('defaults OCSP prices to ¥20 / ¥2 and the cap to 600 a minute, and takes them from the config', () => {
    const defaults = loadConfig({ env: {}, cwd: dir });
    expect(defaults.ocsp).toEqual({
      costYen: { card: { sign: 20, auth: 2 }, smartphone: { sign: 20, auth: 2 } },
      maxQueriesPerMinute: 600,
    });
    const file = write(
      'ocsp.yaml',
      `ocsp: { costYen: { smartphone: { sign: 25 } }, maxQueriesPerMinute: 100 }
issuers:
  - { id: s-2023, group: s, caCert: s.pem, ocsp: { url: "https://o.example/", maxQueriesPerMinute: 5 } }
`,
    );
    const cfg = loadConfig({ file, env: {} });
    expect(cfg.ocsp).toEqual({ costYen: { card: { sign: 20, auth: 2 }, smartphone: { sign: 25, auth: 2 } }, maxQueriesPerMinute: 100 });
    expect(cfg.issuers[0]?.ocsp?.maxQueriesPerMinute).toBe(5);
    expect(problemsOf(write('ocsp-bad.yaml', 'ocsp: { costYen: { tablet: { sign: 1 } }, maxQueriesPerMinute: -1 }\n'))).toMatch(
      /ocsp\.costYen[\s\S]*ocsp\.maxQueriesPerMinute/,
    );
  });

  it('reads a profile with Japanese labels, and picks a label language from Accept-Language', () => {
    const file = write(
      'labels.yaml',
      `profile:
  meanings: { cessationOfOperation: card_returned }
  labels:
    ja: { card_returned: カード返納（廃止） }
  labelLanguage: ja
`,
    );
    const cfg = loadConfig({ file, env: {} });
    expect(cfg.profile.meaning('cessationOfOperation')).toBe('card_returned');
    expect(cfg.profile.meaning('affiliationChanged')).toBe('death_or_emigration');
    expect(cfg.profile.labels.ja?.card_returned).toBe('カード返納（廃止）');
    expect(cfg.profile.labels.ja?.death_or_emigration).toBe('死亡または国外転出');
    expect(cfg.profile.labelLanguage).toBe('ja');
    expect(problemsOf(write('labels-bad.yaml', 'profile: { labels: { ja: { Bad: x } }, labelLanguage: fr }\n'))).toMatch(
      /profile\.labels\.ja\.Bad/,
    );
    expect(problemsOf(write('flat-bad.yaml', 'profile: { affiliationchanged: dead }\n'))).toMatch(
      /profile: Unrecognized key: "affiliationchanged"/,
    );
    expect(pickLabelLanguage('ja-JP,ja;q=0.9,en;q=0.8', BUILT_IN_LABELS)).toBe('ja');
    expect(pickLabelLanguage('fr, en;q=0.5', BUILT_IN_LABELS)).toBe('en');
    expect(pickLabelLanguage('en;q=0.2, ja;q=0.9', BUILT_IN_LABELS)).toBe('ja');
    expect(pickLabelLanguage('fr', BUILT_IN_LABELS)).toBeNull();
    expect(pickLabelLanguage(undefined, BUILT_IN_LABELS)).toBeNull();
  });
});
