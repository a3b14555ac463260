/**
 * HAProxy in front of the validators, playing the role a k8s Service or a cloud load balancer plays:
 * - `validators` routes to the ready ones (`GET /readyz`, every 500 ms; out after 2 failures, back after 2 successes);
 * - when none is ready — the Redis Cluster is down, so every /readyz says `store: not answering` — `validators-live` routes to
 *   the ones alive (`/healthz`): they still answer from the generation they hold, and fail closed (`unknown`) once it is stale.
 *   A balancer that simply had no server left would turn a Redis outage into an API outage;
 * - a request that could not reach a validator (connection refused or reset, an empty answer: one that died or is restarting)
 *   is retried on another one (layer-7 retries; every API call of the lab is a read).
 */
import { HOST, paths, type Topology } from './topology.ts';

export function haproxyConfig(t: Topology): string {
  const servers = (check: string) =>
    t.validatorPorts.map((port, i) => `  server v${i + 1} ${HOST}:${port} check ${check}`.trimEnd()).join('\n');
  return `# written by \`npm run lab -- up\` (deploy/lab/haproxy.ts)
global
  maxconn 4000
  stats socket ${paths(t).haproxySocket} mode 600 level admin

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 10s
  option http-buffer-request
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  default-server inter 500ms fall 2 rise 2

frontend api
  bind ${HOST}:${t.haproxyPort}
  use_backend validators-live if { nbsrv(validators) eq 0 }
  default_backend validators

backend validators
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
${servers('')}

backend validators-live
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
${servers('')}
`;
}
