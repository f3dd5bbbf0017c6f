/**
 * The Lua scripts that run limits inside Redis (or Valkey), one atomic call per request: every
 * check is evaluated, and only if all grant is any state written. The arithmetic is the same as
 * algorithms/gcra.ts, algorithms/calendar.ts and algorithms/lease.ts (tests compare them).
 * Time is the server's (`TIME`), so instances with drifting clocks still agree; tests may pass
 * their own. Every key gets a TTL: a GCRA key lives until its allowance is full again, a
 * calendar key until an hour after its period ends — so Redis never grows without bound.
 *
 * acquire — KEYS: one state key per check. ARGV: now ('' = server time), lease share, lease
 * minimum, then per check 6 values: kind ('g' GCRA | 'c' calendar), limit, window ms (GCRA) or
 * period end (calendar, epoch ms), wanted lease cells, hold ms (GCRA leases), seed ('' = none).
 * Returns {1|0, then per check: granted, remaining, resetMs, retryAfterMs}, or {-1, i…} when
 * calendar keys i are missing and no seed was given (nothing written; ask again with the
 * counts from SQL).
 *
 * release — KEYS: calendar keys; ARGV: cells to give back to each (never below zero, only if
 * the key still exists).
 */

export const ACQUIRE_LUA = `
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local share = tonumber(ARGV[2])
local mincells = tonumber(ARGV[3])

local function extra(spare, want)
  if want < mincells then return 0 end
  local e = math.min(want, math.floor(spare / share))
  if e >= mincells then return e end
  return 0
end

local out = {1}
local nexts = {}
local seeded = {}
local missing = {}
local allowed = true
for i = 1, #KEYS do
  local a = 3 + (i - 1) * 6
  local kind = ARGV[a + 1]
  local limit = tonumber(ARGV[a + 2])
  local p = tonumber(ARGV[a + 3])
  local want = tonumber(ARGV[a + 4])
  local hold = tonumber(ARGV[a + 5])
  local seed = ARGV[a + 6]
  local raw = redis.call('GET', KEYS[i])
  local granted, remaining, reset, retry = 0, 0, 0, 0
  if kind == 'g' then
    local interval = p / limit
    local base = now
    if raw then
      local tat = tonumber(raw)
      if tat > now then base = tat end
    end
    local available = math.floor((now + p - base) / interval + 1e-9)
    if available < 1 then
      reset = base - now
      retry = math.ceil(base + interval - p - now)
    else
      local from = base
      local left = available
      local e = 0
      if want > 0 then
        local held = base
        if now + hold > held then held = now + hold end
        local heldAvailable = math.floor((now + p - held) / interval + 1e-9)
        e = extra(heldAvailable - 1, want)
        if e > 0 then
          from = held
          left = heldAvailable
        end
      end
      granted = 1 + e
      nexts[i] = from + granted * interval
      remaining = left - granted
      reset = math.ceil(nexts[i] - now)
    end
  else
    local count = nil
    if raw then
      count = tonumber(raw)
    elseif seed ~= '' then
      count = tonumber(seed)
      seeded[i] = true
    else
      missing[#missing + 1] = i
    end
    if count then
      local untilEnd = p - now
      local available = limit - count
      if available < 1 then
        reset = untilEnd
        retry = untilEnd
      else
        local e = extra(available - 1, want)
        nexts[i] = 1 + e
        granted = 1 + e
        remaining = limit - count - granted
        reset = untilEnd
      end
    else
      granted = 1
    end
  end
  if granted < 1 then allowed = false end
  out[#out + 1] = granted
  out[#out + 1] = remaining
  out[#out + 1] = math.ceil(reset)
  out[#out + 1] = retry
end

if #missing > 0 then
  return {-1, unpack(missing)}
end
if not allowed then
  out[1] = 0
  return out
end
for i = 1, #KEYS do
  local a = 3 + (i - 1) * 6
  if ARGV[a + 1] == 'g' then
    redis.call('SET', KEYS[i], string.format('%.17g', nexts[i]), 'PX', math.max(1, math.ceil(nexts[i] - now)))
  else
    if seeded[i] then redis.call('SET', KEYS[i], ARGV[a + 6], 'NX') end
    redis.call('INCRBY', KEYS[i], nexts[i])
    redis.call('PEXPIRE', KEYS[i], math.max(1, math.ceil(tonumber(ARGV[a + 3]) - now)) + 3600000)
  end
end
return out
`;

export const RELEASE_LUA = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local left = redis.call('DECRBY', KEYS[i], tonumber(ARGV[i]))
    if left < 0 then redis.call('INCRBY', KEYS[i], -left) end
  end
end
return #KEYS
`;
