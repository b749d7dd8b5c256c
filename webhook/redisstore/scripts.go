package redisstore

import "github.com/redis/go-redis/v9"

// Results of claimScript.
const (
	claimed   = 0 // the caller holds the claim now
	claimDone = 1 // a done mark exists
	claimBusy = 2 // another claim is live
)

// claimScript claims an event: SET NX PX with the caller's token, and when
// the key exists, tells a done mark from a live claim in the same atomic
// step. A key already holding the caller's own token counts as claimed, so
// a client-side retry of a call whose reply was lost does not lock the
// caller out of its own claim.
//
// KEYS[1] the event's key; ARGV[1] the claim token; ARGV[2] the lease in
// milliseconds; ARGV[3] the done mark's value.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return 0
end
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
	return 0
end
if v == ARGV[3] then
	return 1
end
return 2
`)

// releaseScript deletes a claim only while it holds the caller's token:
// a done mark, or a claim another delivery made after the caller's lease
// ended, stays.
//
// KEYS[1] the event's key; ARGV[1] the claim token.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)
