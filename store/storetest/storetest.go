// Package storetest is the conformance suite every roster Store runs. Its
// one entry point, Run, runs against the stores a Factory makes:
//
//   - Conformance: each operation and rule of the member and invite
//     packages, exercised through the public API, with concurrency tests
//     (racing transfers, accepts, seats and partnerships);
//   - Machine: a rapid state machine that drives random sequences of every
//     operation and compares each answer, state and event with an
//     independent model (machine.go);
//   - Regressions: the sequences with which the machine found bugs
//     (known.go), replayed against the model;
//   - Differential: the machine's sequences on the store and on a
//     reference store side by side, when Options.Reference is set;
//   - RandomConcurrent: random operations from many goroutines, then every
//     invariant checked on the final state;
//   - PairRace: units of work on one organisation and on a pair that
//     includes it, at once (run it with -race).
//
// A backend's test is a few lines:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, env store.Env) store.Store {
//			s, err := memstore.New(env)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		}, storetest.Options{})
//	}
//
// The factory returns an empty store for each call, given the t of the
// test that asks (the state machine asks once per run, with the t of its
// round); it must clean up after itself (t.Cleanup).
//
// The files follow the record kinds and are named as the store package's:
// orgs.go, members.go, roles.go, keys.go, events.go, invitations.go,
// requests.go and partners.go hold the conformance tests of each kind (tx.go
// those of units of work, concurrency.go the concurrent ones), model.go and
// model_<kind>.go the state machine's model. ROSTER_SOAK=N multiplies every
// run count (see machine.go).
package storetest

import (
	"testing"

	"github.com/rosterhq/roster/store"
)

// Factory returns a new, empty store that runs the rules with env.
type Factory func(t *testing.T, env store.Env) store.Store

// Options says which of the suite's tests Run runs, and how many runs the
// random ones make. The zero value runs everything but Differential, which
// needs a Reference, with the default run counts.
type Options struct {
	// MachineRuns is how many runs the state machine makes, each in a
	// store of its own; 0 means 100. ROSTER_SOAK multiplies it.
	MachineRuns int

	// Reference, when set, is a second backend that Differential runs the
	// same sequences on, beside the stores f makes: the same answers,
	// states and events, field by field. sqlstore passes memstore for
	// SQLite.
	Reference Factory
	// DifferentialRuns is how many runs Differential makes; 0 means 100.
	// ROSTER_SOAK multiplies it.
	DifferentialRuns int

	// SkipRegressions leaves out the Regressions test.
	SkipRegressions bool
	// SkipRandomConcurrent leaves out the RandomConcurrent test.
	SkipRandomConcurrent bool
	// SkipPairRace leaves out the PairRace test.
	SkipPairRace bool

	// Leftovers counts what the store keeps of an organisation, for the
	// purge tests (Conformance/Purge…), which fail without it.
	Leftovers Leftovers
}

// Run runs the suite against the stores f makes, as opts say, in the
// subtests Conformance/<name>, Machine, Regressions, Differential,
// RandomConcurrent and PairRace, one after another. The test that calls it
// must not run in parallel with the package's other tests: the machine
// lowers -rapid.checks while it runs.
func Run(t *testing.T, f Factory, opts Options) {
	t.Run("Conformance", func(t *testing.T) {
		for _, tc := range conformance {
			t.Run(tc.name, func(t *testing.T) { tc.fn(t, f) })
		}
		t.Run("Purge", func(t *testing.T) { testPurge(t, f, opts.Leftovers) })
		t.Run("PurgeInterrupted", func(t *testing.T) { testPurgeInterrupted(t, f, opts.Leftovers) })
		t.Run("PurgeConcurrent", func(t *testing.T) { testPurgeConcurrent(t, f, opts.Leftovers) })
	})
	t.Run("Machine", func(t *testing.T) { testMachine(t, f, orDefault(opts.MachineRuns)) })
	if !opts.SkipRegressions {
		t.Run("Regressions", func(t *testing.T) { testRegressions(t, f) })
	}
	if opts.Reference != nil {
		t.Run("Differential", func(t *testing.T) {
			testDifferential(t, opts.Reference, f, orDefault(opts.DifferentialRuns))
		})
	}
	if !opts.SkipRandomConcurrent {
		t.Run("RandomConcurrent", func(t *testing.T) { testRandomConcurrent(t, f) })
	}
	if !opts.SkipPairRace {
		t.Run("PairRace", func(t *testing.T) { testPairRace(t, f) })
	}
}

func orDefault(runs int) int {
	if runs == 0 {
		return defaultRuns
	}
	return runs
}

// conformance is the conformance tests, in the order Run runs them.
var conformance = []struct {
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
	{"KeyExpiry", testKeyExpiry},
	{"KeySubset", testKeySubset},
	{"KeyRotation", testKeyRotation},
	{"ServiceKeys", testServiceKeys},
	{"KeyPages", testKeyPages},
	{"KeyUsage", testKeyUsage},
	{"KeysAfterRemoval", testKeysAfterRemoval},
	{"Isolation", testIsolation},
	{"Reads", testReads},
	{"Pagination", testPagination},
	{"AuditAttribution", testAuditAttribution},
	{"Atomicity", testAtomicity},
	{"Feed", testFeed},
	{"FeedPayloads", testFeedPayloads},
	{"FeedCursors", testFeedCursors},
	{"FeedPrune", testFeedPrune},
	{"Follow", testFollow},
	{"Delivery", testDelivery},
	{"Show", testShow},
	{"EmailLookups", testEmailLookups},
	{"Observer", testObserver},
	{"OnRefusal", testOnRefusal},
	{"PolicyUpgrade", testPolicyUpgrade},
	{"PolicySwap", testPolicySwap},
	{"StaleInvitations", testStaleInvitations},
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
	{"CodeLockIsPerRequester", testCodeLockIsPerRequester},
	{"CodeBudget", testCodeBudget},
	{"CodeRefusalDerivesNothing", testCodeRefusalDerivesNothing},
	{"Partners", testPartners},
	{"PartnerLifecycle", testPartnerLifecycle},
	{"PartnerRules", testPartnerRules},
	{"PartnerReachesStaffOnly", testPartnerReachesStaffOnly},
	{"PartnerCollaboratorsOptIn", testPartnerCollaboratorsOptIn},
	{"DeadlineWhileBusy", testDeadlineWhileBusy},
	{"UnitOfWorkTime", testUnitOfWorkTime},
	{"ContradictoryInput", testContradictoryInput},
	{"ControlAndFormatCharacters", testControlAndFormatCharacters},
	{"LookupInputs", testLookupInputs},
	{"ListPages", testListPages},
	{"KeyLimit", testKeyLimit},
	{"RoleLimit", testRoleLimit},
	{"SeatCounter", testSeatCounter},
	{"SeatsAsInvitationsExpire", testSeatsAsInvitationsExpire},
	{"ConcurrentLifecycle", testConcurrentLifecycle},
	{"ConcurrentAccept", testConcurrentAccept},
	{"ConcurrentSeats", testConcurrentSeats},
	{"ConcurrentPartners", testConcurrentPartners},
	{"Expiry", testExpiry},
	{"ExpiryCarried", testExpiryCarried},
	{"ConcurrentExpiry", testConcurrentExpiry},
	{"EndsAtTheSeams", testEndsAtTheSeams},
	{"SystemActor", testSystemActor},
	{"SystemTransfer", testSystemTransfer},
	{"ChangeEmail", testChangeEmail},
	{"Deprovision", testDeprovision},
	{"Erase", testErase},
	{"EraseKeepsOthers", testEraseKeepsOthers},
	{"SystemObserver", testSystemObserver},
	{"AcceptResult", testAcceptResult},
	{"InternationalEmail", testInternationalEmail},
	{"UserOrgs", testUserOrgs},
	{"ListPending", testListPending},
}
