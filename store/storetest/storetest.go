// Package storetest is the conformance suite every roster Store runs: each
// operation and rule of the member and invite packages, exercised through
// the public API, and concurrency tests beside them. A backend's test is a
// few lines:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, env member.Env) store.Store {
//			s, err := memstore.New(env)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The factory returns an empty store for each test; it must clean up after
// itself (t.Cleanup).
package storetest

import (
	"testing"

	"github.com/rosterhq/roster/store"
)

// Factory returns a new, empty store that runs the rules with env.
type Factory func(t *testing.T, env store.Env) store.Store

// Run runs the whole suite against the stores f makes.
func Run(t *testing.T, f Factory) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"CreateOrg", testCreateOrg},
		{"OrgSettings", testOrgSettings},
		{"AddMember", testAddMember},
		{"BadInput", testBadInput},
		{"ChangeRole", testChangeRole},
		{"OwnerProtected", testOwnerProtected},
		{"Escalation", testEscalation},
		{"SetPermissions", testSetPermissions},
		{"Scopes", testScopes},
		{"Profile", testProfile},
		{"Status", testStatus},
		{"Remove", testRemove},
		{"Leave", testLeave},
		{"Transfer", testTransfer},
		{"TransferTwoStep", testTransferTwoStep},
		{"DeleteOrg", testDeleteOrg},
		{"CustomRoles", testCustomRoles},
		{"Keys", testKeys},
		{"InactiveKeysValid", testInactiveKeysValid},
		{"Isolation", testIsolation},
		{"Reads", testReads},
		{"Pagination", testPagination},
		{"AuditAttribution", testAuditAttribution},
		{"Atomicity", testAtomicity},
		{"NoAliasing", testNoAliasing},
		{"Cancelled", testCancelled},
		{"Panic", testPanic},
		{"Invitations", testInvitations},
		{"InvitationErrors", testInvitationErrors},
		{"InvitationExpiry", testInvitationExpiry},
		{"InvitationSeats", testInvitationSeats},
		{"InvitationLink", testInvitationLink},
		{"InvitationEmail", testInvitationEmail},
		{"Requests", testRequests},
		{"AccessCode", testAccessCode},
		{"Partners", testPartners},
		{"PartnerLifecycle", testPartnerLifecycle},
		{"PartnerRules", testPartnerRules},
		{"ConcurrentLifecycle", testConcurrentLifecycle},
		{"ConcurrentAccept", testConcurrentAccept},
		{"ConcurrentSeats", testConcurrentSeats},
		{"ConcurrentPartners", testConcurrentPartners},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, f) })
	}
}

type storeTx = store.Tx
