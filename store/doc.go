// Package store is the contract between roster's rules and its backends.
//
// The rules live once, in the member and invite packages, written against
// small interfaces those packages declare (member.Tx, invite.Tx, …). Store
// and Tx embed them all, so a backend implements one interface and every rule
// runs on it. Backends are transactional and keep no rules: memstore keeps
// everything in memory, sqlstore in PostgreSQL, SQLite or MySQL.
//
// A unit of work covers one organisation and is serialised with every other
// unit of work on it: memstore takes the organisation's lock, sqlstore locks
// the organisation's row. The audit event every change writes commits in the
// same unit of work, so the audit log is also a reliable change feed.
//
// Package storetest holds the conformance suite that every backend runs.
package store
