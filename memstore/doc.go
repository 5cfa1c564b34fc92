// Package memstore is roster's Store in memory: for tests, demos and hosts
// that keep nothing. It is the reference for how a store behaves, safe for
// concurrent use, and nothing it returns aliases its state.
//
// A unit of work holds its organisation's lock and writes in place, keeping
// an undo log that a failed unit of work replays backwards; readers of that
// organisation wait for it. The request-time lookup of a member by user, and
// lookups that cross organisations (a user's organisations, a token's or
// key's hash, partnerships), use indexes updated when a unit of work
// commits, so they never wait for one. An organisation's members are kept
// in order in blocks, with an order by role, status and kind beside it, so
// that a write or a filtered page costs the same in an organisation of ten
// members or of a hundred thousand.
//
// DeleteOrg marks the organisation deleted; the indexes pass its entries by
// from its commit, and Purge removes its records and their entries, up to
// its limit at a time, under the store's lock for that long only.
//
// The change feed places the events of each unit of work as it commits,
// under the store's lock, so a reader never sees a later position before an
// earlier one. memstore needs no request cache: its lookups are memory
// already.
package memstore
