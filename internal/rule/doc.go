// Package rule holds the steps that the member and invite rules share: how
// a rule loads its actor and target, checks its gate and the escalation
// rule, builds and admits a member, records its event, validates input,
// makes and hashes secrets, and opens its unit of work. It is internal so
// that a host cannot call a step on its own and step around a rule; the
// rules' order of checks is documented in package member.
package rule
