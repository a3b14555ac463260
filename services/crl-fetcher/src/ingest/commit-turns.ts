/**
 * A CA's partition loads commit one at a time in this process. A refresh fetches and scans several partitions of one CA at once
 * (the network and the scan overlap), but every commit switches that CA's one generation (docs/data-model.md): on Redis,
 * concurrent commits of one CA race the switch script and all but one redo their merge — measured at 4 at once on 1,741
 * partitions, commits gave up after 8 attempts (CONFLICT) and retried whole fetches; the embedded store serialises them anyway.
 * Taking turns here costs nothing (the commits could not overlap) and turns the conflicts into a queue. Other processes' commits
 * still race, and the store still resolves that. The embedded store orders its own commits and commits those waiting as a group.
 */
import type { CrlLoader, RevocationStore } from '@jpki-validator/store';

const wrapped = new WeakMap<RevocationStore, RevocationStore>();

/** the store with `beginLoad` giving loaders whose `commit` waits for the CA's previous commit in this process */
export function commitsInTurn(store: RevocationStore): RevocationStore {
  // a store that groups the commits waiting (embedded) must see them all as they come: taking turns here would hand it one
  if (store.groupsCommits === true) return store;
  const known = wrapped.get(store);
  if (known !== undefined) return known;
  /** per CA: the last commit queued (settled, never rejecting) */
  const queue = new Map<string, Promise<unknown>>();
  const beginLoad: RevocationStore['beginLoad'] = async (options) => {
    const loader: CrlLoader = await store.beginLoad(options);
    const commit = loader.commit.bind(loader);
    // an own property over the prototype's: add() — the scanner's hot loop — stays the loader's own method
    loader.commit = (facts) => {
      const previous = queue.get(options.caId) ?? Promise.resolve();
      const mine = previous.catch(() => undefined).then(() => commit(facts));
      const settled = mine.catch(() => undefined);
      queue.set(options.caId, settled);
      void settled.then(() => {
        if (queue.get(options.caId) === settled) queue.delete(options.caId);
      });
      return mine;
    };
    return loader;
  };
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'beginLoad') return beginLoad;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  wrapped.set(store, proxy);
  return proxy;
}
