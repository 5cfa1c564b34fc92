// Package memstore is roster's Store in memory: for tests, demos and hosts
// that keep nothing. It is the reference for how a store behaves, safe for
// concurrent use, and nothing it returns aliases its state.
//
// A unit of work holds its organisation's lock and writes in place, keeping
// an undo log that a failed unit of work replays backwards; readers of that
// organisation wait for it. The request-time lookup of a member by user, and
// lookups that cross organisations (a user's organisations, a token's or
// key's hash, partnerships), use indexes updated when a unit of work
// commits, so they never wait for one.
//
// The change feed places the events of each unit of work as it commits,
// under the store's lock, so a reader never sees a later position before an
// earlier one. memstore needs no request cache: its lookups are memory
// already.
package memstore
