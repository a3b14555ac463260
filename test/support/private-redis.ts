// the one implementation lives in a workspace of its own, so the benchmarks start theirs the same way
export { freePort, type PrivateRedis, startPrivateRedis } from '@jpki-validator/private-redis';
