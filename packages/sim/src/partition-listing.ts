import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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

/** Writes the listing atomically (temporary file, then rename), one partition per line. */
export async function writePartitionListing(file: string, listing: PartitionListing): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const lines = listing.partitions.map((p) => `    ${JSON.stringify(p)}`);
  await writeFile(tmp, `{\n  "partitions": [\n${lines.join(',\n')}\n  ]\n}\n`);
  await rename(tmp, file);
}
