--[[
  Releases a lock only if this holder still owns it (compare-and-delete): a holder whose lock expired and was taken
  by another process must not delete the new holder's lock.

  Input:
    KEYS[1]  the lock key (e.g. <p>:{caId}:fetch-lock:<partition>, <p>:{watch}:lock)
    ARGV[1]  the holder's token (random, one per acquisition)

  Output:
    1  released
    0  not ours any more (expired, or taken by another holder): nothing done
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
