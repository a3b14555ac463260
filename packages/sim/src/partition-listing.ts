import { join } from 'node:path';
import { writeFileAtomic } from '@jpki-validator/files';

/**
 * One entry of a partition listing file: what a validator config's `crls: { partitions: FILE }` reads to learn an issuer's
 * partitions — the name, the URL the simulator serves it at, and (municipal partitions) the directoryName in the certificates'
 * distribution points and the CRL's IDP, in RFC 4514 form.
 */
export interface PartitionListingEntry {
  name: string;
  url?: string;
  dirName?: string;
}

export interface PartitionListing {
  partitions: PartitionListingEntry[];
}

/** `<dir>/partitions/<ca>.json` */
export function partitionListingPath(dir: string, caId: string): string {
  return join(dir, 'partitions', `${caId}.json`);
}

/** Writes the listing atomically, one partition per line. */
export async function writePartitionListing(file: string, listing: PartitionListing): Promise<void> {
  const lines = listing.partitions.map((p) => `    ${JSON.stringify(p)}`);
  await writeFileAtomic(file, `{\n  "partitions": [\n${lines.join(',\n')}\n  ]\n}\n`, { createDirectory: true });
}
