// Package rosterotel turns what roster tells an observer into OpenTelemetry
// spans: a module of its own, so that the roster library does not depend on
// OpenTelemetry, and a host copies or imports it as it likes.
//
// Observer is a store.Observer (set it as store.Env.Observer) that records
// each unit of work as a span named by its rule ("member.ChangeRole"), a
// child of the span in the context the rule ran under, from when the unit
// of work began to when it ended, with the attributes
//
//	roster.rule     the rule ("" for a unit of work the host opened)
//	roster.org      the organisation (roster.org2: the second of a pair)
//	roster.actor    the member that acted, once the rule loaded it
//	roster.outcome  committed, refused or failed
//	roster.refusal  the refusal's stable code (store.ErrorCode), if refused
//	roster.events   the types of the events it wrote, if it committed
//
// A failure (a database error, a context's end) sets the span's status to
// Error and records the error; a refusal is an answer, not a failure, and
// leaves the status unset.
//
// The statements of a unit of work carry its rule in their context
// (store.RuleOf). QueryTracer is a pgx tracer that records each statement
// sent to PostgreSQL as a span with the rule that sent it; with another
// driver's tracer, add StatementAttributes to its spans. Statement spans
// are children of the caller's span, beside the unit of work's span: an
// Observer hears of a unit of work when it ends.
//
// Nothing of this runs without an Observer: a store without one pays
// nothing (see store.Observer).
package rosterotel
