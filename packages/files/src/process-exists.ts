/**
 * Whether a process with this pid exists on this machine: how every lock and owner file tells a live holder from one that was
 * killed. Not a pid (zero, negative, fractional, NaN): false — `process.kill(0, 0)` would ask about our own process group.
 */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
