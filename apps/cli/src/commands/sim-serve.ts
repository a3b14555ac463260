import type { OcspSignerChoice, Simulator } from '@jpki-validator/sim';
import { UsageError } from '../errors.js';
import { EXIT } from '@jpki-validator/errors';
import { writeJsonLine } from '../io.js';
import { booleanFlag, numberFlag, stringFlag } from './list-args.js';
import { DIR_OPTION, DIR_USAGE, given, openSim, type SimSubcommand } from './sim-common.js';

const SERVE_USAGE = `usage: jpki-validator sim serve [--port P] [--dir D] [options]

Serves the simulator's CRLs (current generation, full / partition / delta), CA certificates and OCSP over HTTP until SIGINT or
SIGTERM. Prints the URLs as one JSON line on stdout once listening:
  {url, ocsp, cas: [{id, caCert, crl, deltaCrl, partitions, partitionCrl, partitionListing}]}
(partitionCrl is a template: replace {partition} with p0000 …; partitionListing the file listing every partition's URL and, in
the national layout, its directoryName — rewritten with --update-base-url). \`sim revoke\` / \`sim advance\` from another shell
take effect at once. The first request for a partition writes every partition of its CA (two walks of the serial range: ~30 s
for a national generation of 30 M entries); the rest are then served from that file until the state changes.

options:
${DIR_USAGE}
  --port P                   port (default 8081, the simulator's default base URL; 0: any free port)
  --host H                   address to listen on (default 127.0.0.1)
  --ocsp-signer S            delegated (default: the CA's OCSP responder certificate) or ca (the CA key itself)
  --ocsp-validity-seconds N  nextUpdate − thisUpdate of OCSP answers (default 3600)
  --update-base-url          point the URLs put in certificates issued from now on at this server`;

const DEFAULT_PORT = 8081;
const SIGNERS: readonly OcspSignerChoice[] = ['delegated', 'ca'];

function describeUrls(sim: Simulator, url: string) {
  return {
    url,
    ocsp: `${url}/ocsp`,
    cas: sim.listCas().map((ca) => ({
      id: ca.id,
      caCert: `${url}/ca/${ca.id}.pem`,
      crl: `${url}/crl/${ca.id}/full.crl`,
      deltaCrl: `${url}/crl/${ca.id}/full-delta.crl`,
      partitions: ca.partitions,
      partitionCrl: ca.partitions > 0 ? `${url}/crl/${ca.id}/{partition}.crl` : null,
      partitionListing: ca.partitions > 0 ? sim.partitionListingPath(ca.id) : null,
    })),
  };
}

/** Resolves on the first SIGINT or SIGTERM, then stops listening for both (a second signal gets Node's default handling). */
function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const serve: SimSubcommand = {
  summary: 'serve CRLs, CA certificates and OCSP over HTTP until SIGINT/SIGTERM',
  usage: SERVE_USAGE,
  options: {
    ...DIR_OPTION,
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'ocsp-signer': { type: 'string' },
    'ocsp-validity-seconds': { type: 'string' },
    'update-base-url': { type: 'boolean' },
  },
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}\n\n${SERVE_USAGE}`);
    const port = numberFlag(args.values, 'port', { integer: true, min: 0, max: 65535 }) ?? DEFAULT_PORT;
    const signerText = stringFlag(args.values, 'ocsp-signer');
    const ocspSigner = SIGNERS.find((s) => s === signerText);
    if (signerText !== undefined && ocspSigner === undefined)
      throw new UsageError(`--ocsp-signer ${JSON.stringify(signerText)}: one of ${SIGNERS.join(', ')}`);
    const ocspValiditySeconds = numberFlag(args.values, 'ocsp-validity-seconds', { integer: true, min: 1 });
    const sim = await openSim(args, io);
    // Listening for signals before the server starts: a signal right after the URLs are printed must not kill the process.
    const stopped = untilStopSignal();
    const server = await sim.serve({
      port,
      ...given('host', stringFlag(args.values, 'host')),
      ...given('ocspSigner', ocspSigner),
      ...given('ocspValiditySeconds', ocspValiditySeconds),
    });
    if (booleanFlag(args.values, 'update-base-url')) await sim.setBaseUrl(server.url);
    await writeJsonLine(io.stdout, describeUrls(sim, server.url));
    const signal = await stopped;
    io.stderr.write(`jpki-validator: ${signal}: closing the simulator server\n`);
    await server.close();
    return EXIT.OK;
  },
};
