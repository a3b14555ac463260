--[[
  Renews a partition lock's time to live only if this holder still owns it (compare-and-pexpire), while a long load runs.

  Input:
    KEYS[1]  the lock key      <p>:{caId}:fetch-lock:<partition>
    ARGV[1]  the holder's token
    ARGV[2]  new time to live, ms

  Output:
    1  renewed
    0  not ours any more: the holder must stop, another worker may be loading
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
