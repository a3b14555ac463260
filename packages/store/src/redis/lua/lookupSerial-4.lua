--[[
  Reads one listed serial's data from a chunk in one round trip (the rank needs BITCOUNT before the date can be read).

  Input:
    KEYS[1]  listed bitmap        <p>:{ca}:k:<loadId>:<chunkNo>:l
    KEYS[2]  reasons by rank      ...:rr
    KEYS[3]  revocation dates     ...:d   (u32 LE seconds by rank)
    KEYS[4]  invalidity dates     ...:i   (may be absent)
    ARGV[1]  bit offset of the serial in the chunk

  Output:
    {-1}                                       the chunk's keys are gone (two switches since the manifest was read): retry
    {0}                                        not listed
    {1, reasonCode, dateBytes, invalBytes}     listed; invalBytes is "" when the chunk has no invalidity dates
]]
local off = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if redis.call('GETBIT', KEYS[1], off) == 0 then return {0} end
local rank = 0
if off > 0 then rank = redis.call('BITCOUNT', KEYS[1], 0, off - 1, 'BIT') end
local reason = string.byte(redis.call('GETRANGE', KEYS[2], rank, rank))
local dates = redis.call('GETRANGE', KEYS[3], rank * 4, rank * 4 + 3)
local inval = redis.call('GETRANGE', KEYS[4], rank * 4, rank * 4 + 3)
return {1, reason, dates, inval}
