// Command teampage serves a Team settings page on roster: members, the
// invite wizard, pending invitations, access requests, partners and the
// audit log, as HTML forms with html/template and net/http, on SQLite.
//
//	go run . -addr localhost:8080 -db team.db
//
// It signs people in with a demo form that asks for an e-mail address and
// trusts it: a host brings its own authentication. See README.md.
//
// The page is a starting point for a host's own: the policy (policy.go)
// combines seeds 000 to 004, the handlers call one roster rule per change
// and show each refusal as its rule in words (refusal.go), and the
// templates (templates/) and the stylesheet (static/) are embedded.
package main
