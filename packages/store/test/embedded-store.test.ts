import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../src/embedded/embedded-store.js';
import { runStoreCases } from './store.cases.js';

runStoreCases('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'jpki-store-'));
  const opened = [await openEmbeddedStore({ dataDir })];
  const [store] = opened;
  if (store === undefined) throw new Error('unreachable');
  const files = async (): Promise<string[]> => (await readdir(dataDir)).filter((f) => f !== 'writer.lock');
  return {
    store,
    another: async () => {
      const s = await openEmbeddedStore({ dataDir });
      opened.push(s);
      return s;
    },
    residue: async () => (await files()).length,
    storedBytes: async () => {
      let n = 0;
      for (const f of await files()) n += (await stat(join(dataDir, f))).size;
      return n;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
