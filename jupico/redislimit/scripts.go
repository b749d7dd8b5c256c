package redislimit

import "github.com/redis/go-redis/v9"

// reserveScript is the generic cell rate algorithm (GCRA) with
// reservations. The key holds the theoretical arrival time (TAT) of the
// next request, in microseconds of the Redis server's clock, so the clocks
// of the replicas never matter. A request may be sent once the server's
// clock reaches TAT - (burst-1)*interval; the script reserves the next slot
// by moving TAT one interval on, and returns how long the caller must wait
// for its slot. When that wait exceeds the caller's limit (its context
// deadline) nothing is reserved.
//
// KEYS[1] the limiter's key; ARGV[1] the interval in microseconds; ARGV[2]
// the burst; ARGV[3] the longest acceptable wait in microseconds, or -1 for
// no limit. Returns {wait, new TAT} when a slot was reserved, {-1, wait}
// when the wait is too long.
var reserveScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxwait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
	tat = now
end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then
	wait = 0
end
if maxwait >= 0 and wait > maxwait then
	return {-1, wait}
end
local newtat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000))
return {wait, newtat}
`)

// cancelScript gives back a slot that a caller reserved and will not use,
// when no later reservation was made since (TAT is still the value the
// caller's reservation set): the next caller then need not wait for it.
// When later reservations exist the slot is left unused, which only ever
// lowers the rate.
//
// KEYS[1] the limiter's key; ARGV[1] the TAT the reservation set; ARGV[2]
// the interval in microseconds. Returns 1 when the slot was given back.
var cancelScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
if tonumber(redis.call('GET', KEYS[1])) ~= tonumber(ARGV[1]) then
	return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local prev = tonumber(ARGV[1]) - tonumber(ARGV[2])
if prev > now then
	redis.call('SET', KEYS[1], string.format('%.0f', prev), 'PX', math.ceil((prev - now) / 1000))
else
	redis.call('DEL', KEYS[1])
end
return 1
`)
