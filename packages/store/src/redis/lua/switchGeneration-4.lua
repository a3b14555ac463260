--[[
  Makes a loaded CRL generation current for its CA in one atomic step: CRL-number rules, the generation check, the manifest
  rotation (current -> previous, pending -> current), the partition metadata and the switch event all happen together, so readers
  never see a half-loaded generation and two loaders of one (CA, partition) cannot both win.

  Input:
    KEYS[1]            current manifest   <p>:{ca}:cur    hash: gen, c:<chunkNo> -> "<loadId>:<count>:<hasInval>", long -> loadId
    KEYS[2]            previous manifest  <p>:{ca}:prev
    KEYS[3]            partition metadata <p>:{ca}:parts  hash: partition -> PartitionMeta JSON
    KEYS[4]            pending manifest   <p>:{ca}:m:<loadId> (written by the loader with a TTL)
    KEYS[5 .. 4+n]     the loader's chunk and long keys (n = ARGV[7]): must still exist; made persistent
    KEYS[5+n .. ]      keys used only by the previous generation: deleted, that generation is dropped now

    ARGV[1]  generation the loader merged on (the current one when it started)
    ARGV[2]  partition
    ARGV[3]  crlNumber, decimal
    ARGV[4]  "1" delta CRL, "0" full CRL
    ARGV[5]  a delta's baseCrlNumber, decimal ("" for a full CRL)
    ARGV[6]  the partition's new metadata, JSON
    ARGV[7]  n
    ARGV[8]  pub/sub channel
    ARGV[9]  switch event, JSON
    ARGV[10] the CA's epoch the loader merged on ("" when the CA had no data then)
    ARGV[11] a new epoch, written when this is the CA's first generation

  Output:
    {"OK", newGeneration, epoch}
    {"NOOP", currentGeneration, epoch} same CRL number already loaded for the partition
    {"ROLLBACK", loadedCrlNumber}      lower CRL number
    {"DELTA_BASE", loadedFullCrlNumber or ""}
    {"CONFLICT", currentGeneration}    another partition switched since the merge started, or the CA's data was lost and
                                       loaded again (another epoch): merge again
    {"EXPIRED", key}                   a pending key expired before the switch
]]
local function cmpDecimal(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

local rcall = redis.call
local gen = tonumber(rcall('HGET', KEYS[1], 'gen') or '0')
local epoch = rcall('HGET', KEYS[1], 'epoch') or ''

local existingJson = rcall('HGET', KEYS[3], ARGV[2])
local existing = existingJson and cjson.decode(existingJson) or nil
if existing then
  local c = cmpDecimal(ARGV[3], existing.crlNumber)
  if c == 0 then return {'NOOP', gen, epoch} end
  if c < 0 then return {'ROLLBACK', existing.crlNumber} end
end
if ARGV[4] == '1' then
  if not existing then return {'DELTA_BASE', ''} end
  if cmpDecimal(existing.fullCrlNumber, ARGV[5]) < 0 then return {'DELTA_BASE', existing.fullCrlNumber} end
end

if gen ~= tonumber(ARGV[1]) or epoch ~= ARGV[10] then return {'CONFLICT', gen} end
if epoch == '' then epoch = ARGV[11] end

local n = tonumber(ARGV[7])
if rcall('EXISTS', KEYS[4]) == 0 then return {'EXPIRED', KEYS[4]} end
for i = 5, 4 + n do
  if rcall('EXISTS', KEYS[i]) == 0 then return {'EXPIRED', KEYS[i]} end
end
for i = 5, 4 + n do rcall('PERSIST', KEYS[i]) end
for i = 5 + n, #KEYS do rcall('DEL', KEYS[i]) end

if rcall('EXISTS', KEYS[1]) == 1 then
  rcall('RENAME', KEYS[1], KEYS[2])
else
  rcall('DEL', KEYS[2])
end
rcall('RENAME', KEYS[4], KEYS[1])
rcall('PERSIST', KEYS[1])
rcall('HSET', KEYS[1], 'gen', gen + 1, 'epoch', epoch)
rcall('HSET', KEYS[3], ARGV[2], ARGV[6])
rcall('PUBLISH', ARGV[8], ARGV[9])
return {'OK', gen + 1, epoch}
