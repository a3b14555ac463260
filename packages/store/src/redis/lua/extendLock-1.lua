--[[
  Renews a lock's time to live only if this holder still owns it (compare-and-pexpire), while a long task runs.

  Input:
    KEYS[1]  the lock key (e.g. <p>:{caId}:fetch-lock:<partition>, <p>:{watch}:lock)
    ARGV[1]  the holder's token
    ARGV[2]  new time to live, ms

  Output:
    1  renewed
    0  not ours any more: the holder must stop, another process may hold it
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
