--[[
  Makes a partition's new run current in one atomic step: the CRL-number rules, the epoch and run checks, the run swap, the
  CA's generation, the partition metadata, the change list and the switch event all happen together, so readers never see a
  half-switched partition and two loaders of one (CA, partition) cannot both win. Partitions of one CA switch independently:
  no switch waits for or conflicts with another partition's.

  Input:
    KEYS[1]  <p>:{ca}:cur              hash: gen, epoch, last
    KEYS[2]  <p>:{ca}:parts            hash: partition -> metadata JSON
    KEYS[3]  <p>:{ca}:run:<loadId>     the new run (written with a TTL): made persistent
    KEYS[4]  <p>:{ca}:run:<baseLoadId> the run it replaces: deleted (KEYS[3] again when the partition has none)
    KEYS[5]  <p>:{ca}:chg:<loadId>     the switch's changes (TTL): renamed to KEYS[6]
    KEYS[6]  <p>:{ca}:chg

    ARGV[1]  partition
    ARGV[2]  crlNumber, decimal
    ARGV[3]  "1" delta CRL, "0" full CRL
    ARGV[4]  a delta's baseCrlNumber, decimal ("" for a full CRL)
    ARGV[5]  the partition's new metadata, JSON, with "generation":-1 (replaced by the generation made here)
    ARGV[6]  the loadId of the run the loader merged on ("" when the partition had none)
    ARGV[7]  the CA's epoch the loader merged on ("" when the CA had no data then)
    ARGV[8]  a new epoch, written when this is the CA's first switch
    ARGV[9]  pub/sub channel
    ARGV[10] switch event, JSON, with "generation":-1 and "epoch":"" (filled here)
    ARGV[11] the new run's loadId, recorded as the CA's last switch (`last`): a reader that holds the same generation number
             with another last switch holds other content (Redis lost writes and counted the generation again)

  Output:
    {"OK", newGeneration, epoch}
    {"NOOP", currentGeneration, epoch}   same CRL number already loaded for the partition
    {"ROLLBACK", loadedCrlNumber}        lower CRL number
    {"DELTA_BASE", loadedFullCrlNumber or ""}
    {"CONFLICT", ""}                     the partition switched since the merge, or the CA's data was lost and loaded again
                                         (another epoch): merge again
    {"EXPIRED", key}                     a pending key expired before the switch
]]
local function cmpDecimal(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

local rcall = redis.call
local gen = tonumber(rcall('HGET', KEYS[1], 'gen') or '0')
local epoch = rcall('HGET', KEYS[1], 'epoch') or ''

local existingJson = rcall('HGET', KEYS[2], ARGV[1])
local existing = existingJson and cjson.decode(existingJson) or nil
if existing then
  local c = cmpDecimal(ARGV[2], existing.crlNumber)
  if c == 0 then return {'NOOP', gen, epoch} end
  if c < 0 then return {'ROLLBACK', existing.crlNumber} end
end
if ARGV[3] == '1' then
  if not existing then return {'DELTA_BASE', ''} end
  if cmpDecimal(existing.fullCrlNumber, ARGV[4]) < 0 then return {'DELTA_BASE', existing.fullCrlNumber} end
end

if epoch ~= ARGV[7] then return {'CONFLICT', ''} end
local heldLoadId = existing and existing.loadId or ''
if heldLoadId ~= ARGV[6] then return {'CONFLICT', ''} end

if rcall('EXISTS', KEYS[3]) == 0 then return {'EXPIRED', KEYS[3]} end
if rcall('EXISTS', KEYS[5]) == 0 then return {'EXPIRED', KEYS[5]} end
rcall('PERSIST', KEYS[3])
if heldLoadId ~= '' and KEYS[4] ~= KEYS[3] then rcall('DEL', KEYS[4]) end
rcall('RENAME', KEYS[5], KEYS[6])
rcall('PERSIST', KEYS[6])

if epoch == '' then epoch = ARGV[8] end
gen = gen + 1
rcall('HSET', KEYS[1], 'gen', gen, 'epoch', epoch, 'last', ARGV[11])
local meta = string.gsub(ARGV[5], '"generation":%-1', '"generation":' .. gen, 1)
rcall('HSET', KEYS[2], ARGV[1], meta)
local event = string.gsub(ARGV[10], '"generation":%-1', '"generation":' .. gen, 1)
event = string.gsub(event, '"epoch":""', '"epoch":"' .. epoch .. '"', 1)
rcall('PUBLISH', ARGV[9], event)
return {'OK', gen, epoch}
