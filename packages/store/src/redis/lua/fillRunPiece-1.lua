--[[
  Writes one piece of a big run into the string a loader sized for it — only while that string still exists. A pending run
  carries a TTL; if it expired mid-write, a plain SETRANGE would make a new, persistent, zero-filled string under the same key
  (garbage no switch refers to, or worse, a run with holes that a switch could make current).

  Input:
    KEYS[1]  <p>:{ca}:run:<loadId>  the pending run
    ARGV[1]  byte offset
    ARGV[2]  the piece

  Output:
    1  written
    0  the key is gone: the load must start again
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SETRANGE', KEYS[1], ARGV[1], ARGV[2])
return 1
