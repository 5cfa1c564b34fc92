package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// This file and model_<kind>.go (orgs, members, roles, keys, events,
// invitations, requests, partners: a file per record kind, named as the
// store package's and the conformance tests' files are) are the reference
// model of the state machine (machine.go): a plain, map-and-slice
// description of what roster must do, written from DESIGN.md ("The
// rules"), the check order documented in package member and the doc
// comments of each operation. It calls no rule and no helper of the member,
// invite or access packages: it keeps its own permission bitmask, its own
// copy of the suite's roles, and its own reading of scopes. Only the
// sentinel errors and the status and event names are shared, as the
// vocabulary the answers are compared in.

// pmask is a set of the suite's permissions (fixture.NumPerms of them).
type pmask uint16

const allPerms = pmask(1)<<fixture.NumPerms - 1

func pbit(p access.Permission) pmask { return 1 << p }

func maskOf(ps ...access.Permission) pmask {
	var m pmask
	for _, p := range ps {
		m |= pbit(p)
	}
	return m
}

// The suite's roles (see fixture.Policy), as the model knows them.
var (
	mViewer  = maskOf(fixture.ViewProducts)
	mEditor  = maskOf(fixture.ViewProducts, fixture.EditProducts, fixture.DeleteProducts)
	mManager = mEditor | maskOf(fixture.InviteMembers, fixture.AddMembers, fixture.RemoveMembers, fixture.ChangeRoles, fixture.ChangeStatus, fixture.EditProfiles, fixture.ReadAudit)
	mAdmin   = allPerms &^ pbit(fixture.ManageBilling)
	// Every permission that gates a lifecycle action: a partnership never
	// carries them.
	mLifecycle = maskOf(fixture.InviteMembers, fixture.AddMembers, fixture.RemoveMembers, fixture.ChangeRoles, fixture.ChangeStatus, fixture.EditProfiles,
		fixture.ManageKeys, fixture.ReadAudit, fixture.ManageRoles, fixture.ApproveRequests, fixture.ManagePartners)
	modelRoles = map[string]pmask{"owner": allPerms, "admin": mAdmin, "manager": mManager, "editor": mEditor, "viewer": mViewer}
)

const (
	ownerRole    = "owner"
	demotedRole  = "admin" // the non-owner role with the most permissions
	inviteExpiry = 7 * 24 * time.Hour
	codeFailures = 5
	codeLockout  = 15 * time.Minute
	codeBudget   = 50
)

// fieldAllowed: "phone" for everyone, "commission_pct" for editors.
func fieldAllowed(role, field string) bool {
	return field == "phone" || field == "commission_pct" && role == "editor"
}

// The scopes the machine hands out, as a bitmask over scopeNames.
var scopeNames = []string{"market:de", "market:fr", "set:a"}

// scopeProbes are the scopes Can is asked about, and the points at which
// the model compares two sets of scopes: every value the machine uses, and
// one it never uses in each dimension.
var scopeProbes = []string{"market:de", "market:fr", "market:us", "set:a", "set:zz", "site:x"}

func scopeStrings(s uint8) []string {
	var out []string
	for i, n := range scopeNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// scopeAllows: a member limited to s may act in sc when s restricts
// nothing, lists sc, or restricts other dimensions only (DESIGN.md; the
// doc comment of access.Scopes).
func scopeAllows(s uint8, sc string) bool {
	if s == 0 {
		return true
	}
	dim := sc[:strings.IndexByte(sc, ':')+1]
	restricted := false
	for _, n := range scopeStrings(s) {
		if n == sc {
			return true
		}
		restricted = restricted || strings.HasPrefix(n, dim)
	}
	return !restricted
}

// scopeSubset: everything s allows, o allows too.
func scopeSubset(s, o uint8) bool {
	for _, x := range scopeProbes {
		if scopeAllows(s, x) && !scopeAllows(o, x) {
			return false
		}
	}
	return true
}

// The host's users: the same people join several organisations.
const numUsers = 8

func userID(u int) string { return fmt.Sprintf("user-%d", u) }
func userEmail(u int) string {
	return fmt.Sprintf("user%d@example.com", u)
}
func userName(u int) string { return fmt.Sprintf("User %d", u) }

// emailVariant is the address given for user u: its own, its own in mixed
// case, another user's, or a malformed one.
func emailVariant(u, variant int) string {
	switch variant {
	case 1:
		return fmt.Sprintf("User%d@Example.COM", u)
	case 2:
		return userEmail((u + 1) % numUsers)
	case 3:
		return "not-an-email"
	case 4:
		return fmt.Sprintf("user%d.new@example.org", u)
	}
	return userEmail(u)
}

// normEmail is the model's own normalisation of the variants above.
func normEmail(e string) (string, bool) {
	if !strings.Contains(e, "@") {
		return "", false
	}
	return strings.ToLower(e), true
}

// The profiles the machine sets.
var profiles = []map[string]string{{}, {"phone": "1"}, {"commission_pct": "5"}, {"phone": "2", "commission_pct": "7"}}

// model is the reference state. Handles (indices) name every record ever
// created, so that removed members, revoked keys and old tokens stay
// addressable.
type model struct {
	// The policy's switches (access.Spec.AcceptAnyEmail and
	// InactiveKeysValid), which the machine turns on in some runs.
	anyEmail, keysValid bool

	orgs    []*mOrg
	members []*mMember
	keys    []*mKey
	invs    []*mInv
	reqs    []*mReq
	parts   []*mPart

	// now is the time of the operation being applied (model_expiry.go);
	// noted the target whose end the operation records first, if it
	// succeeds.
	now   time.Time
	noted *mMember
}

// outcome is what the model expects of an operation: the refusal, or
// success and the events it writes (none for a call that changes nothing).
type outcome struct {
	err    error
	events []orgEvent
	// partial: the error came after some organisations changed (an
	// operation across organisations, member.PartialError).
	partial bool
}

func refused(err error) outcome { return outcome{err: err} }

func (m *model) live(org int) bool { return org >= 0 && org < len(m.orgs) && m.orgs[org].live }

// The building blocks of package member's order, modelled.

func (m *model) loadActor(org, h int) (*mMember, error) {
	if h == sysHandle {
		// The system (member.AsSystem): the owner's reach, no record.
		return &mMember{h: sysHandle, org: org, user: -1, live: true, role: ownerRole, active: true}, nil
	}
	if h < 0 {
		return nil, store.ErrInvalid
	}
	a := m.memberIn(org, h)
	if a == nil {
		return nil, store.ErrNotFound
	}
	if !a.active || m.expired(a) {
		return nil, member.ErrInactive
	}
	return a, nil
}

func (m *model) gate(a *mMember, perm access.Permission) error {
	if isOwner(a) || m.eff(a)&pbit(perm) != 0 {
		return nil
	}
	return member.ErrForbidden
}

func (m *model) canGrant(a *mMember, perms pmask, scopes uint8) bool {
	return isOwner(a) || perms&^m.held(a) == 0 && scopeSubset(scopes, a.scopes)
}

func (m *model) loadTarget(org int, a *mMember, h int) (*mMember, error) {
	if h < 0 {
		return nil, store.ErrInvalid
	}
	t := m.memberIn(org, h)
	switch {
	case t == nil:
		return nil, store.ErrNotFound
	case t == a:
		return nil, member.ErrSelf
	case isOwner(t):
		return nil, member.ErrOwnerProtected
	case !m.canGrant(a, m.held(t), t.scopes):
		return nil, member.ErrEscalation
	}
	m.noteEnd(t)
	return t, nil
}

// apply applies o at now to the model and returns what the store must
// answer. The model changes only when the operation succeeds (and, for a
// wrong access code, by the count of misses).
func (m *model) apply(o op, now time.Time) outcome {
	m.now, m.noted = now, nil
	out := m.apply1(o, now)
	return m.recordNoted(out)
}

func (m *model) apply1(o op, now time.Time) outcome {
	switch o.kind {
	case opSetExpiry:
		return m.setExpiry(o)
	case opExpireDue:
		return m.expireDue()
	case opCreateOrg:
		return m.createOrg(o)
	case opTick:
		return outcome{}
	case opChangeEmail, opDeprovision:
		return m.applyUser(o)
	case opAuditLog:
		if o.actor == sysHandle {
			return m.done() // the host's: any organisation's log, a deleted one's too
		}
		// AuditLog checks the actor's ID before it reads the organisation.
		if o.actor < 0 {
			return refused(store.ErrInvalid)
		}
	}
	if o.kind.byToken() || o.kind == opAuthenticate {
		return m.applyToken(o, now)
	}
	if o.kind.partnerPair() {
		return m.applyPartner(o, now)
	}
	if !m.live(o.org) {
		return refused(store.ErrNotFound)
	}
	switch o.kind {
	case opRenameOrg, opSetSeats, opDeleteOrg:
		return m.applyOrg(o, now)
	case opAddMember, opChangeRole, opSetPerms, opSetScopes, opProfile, opDeactivate, opReactivate, opRemove, opLeave:
		return m.applyMember(o, now)
	case opTransfer, opPropose, opAcceptTransfer, opCancelTransfer:
		return m.applyTransfer(o)
	case opCreateRole, opUpdateRole, opDeleteRole:
		return m.applyRole(o)
	case opIssueKey, opRevokeKey:
		return m.applyKey(o, now)
	case opSend, opResend, opCancel, opCopyLink:
		return m.applyInvite(o, now)
	case opRequest, opApprove, opRefuse, opWithdraw, opSetCode:
		return m.applyRequest(o, now)
	case opInvitePartner:
		return m.invitePartner(o, now)
	case opAuditLog:
		return m.auditLog(o)
	}
	panic(fmt.Sprintf("model: unknown operation %v", o.kind))
}

// render describes the model's state in the form driver.render describes
// a store's, so that the two compare as strings.
func (m *model) render(origin time.Time) string {
	var b strings.Builder
	handle := func(prefix string, h int) string {
		if h < 0 {
			return "-"
		}
		return fmt.Sprintf("%s%d", prefix, h)
	}
	for oi, o := range m.orgs {
		if !o.live {
			fmt.Fprintf(&b, "org O%d gone\n", oi)
		} else {
			fmt.Fprintf(&b, "org O%d name=%q seats=%d pending=%s\n", oi, o.name, o.seats, handle("M", o.pending))
		}
		for _, x := range m.members {
			if !x.live || x.org != oi {
				continue
			}
			b.WriteString(memberLine(x.h, x.userID, x.email, x.name, x.role, x.allow, x.deny, scopeStrings(x.scopes),
				x.active, x.external, x.profile, m.held(x), m.eff(x)))
			b.WriteString(endLine(x.until, x.ended, origin))
			b.WriteString(m.canLine(x))
			for ki, k := range m.keys {
				if k.live && k.member == x.h {
					fmt.Fprintf(&b, "  key K%d %q perms=%#x expires=%v\n", ki, k.name, k.perms, k.expires.Sub(origin))
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(o.roles)) {
			r := o.roles[name]
			fmt.Fprintf(&b, " role %s %q %#x\n", name, r.label, r.perms)
		}
		if o.live {
			for ii, inv := range m.invs {
				if inv.org != oi {
					continue
				}
				joined := "-"
				if inv.joined >= 0 {
					joined = handle(map[bool]string{false: "M", true: "P"}[inv.partner], inv.joined)
				}
				b.WriteString(invLine(ii, inv.partner, inv.email, inv.role, inv.allow, inv.deny, scopeStrings(inv.scopes),
					inv.profile, inv.status, inv.expires.Sub(origin), inv.resends, fmt.Sprintf("I%d.%d", ii, inv.gens-1), joined))
			}
			for ri, r := range m.reqs {
				if r.org == oi {
					fmt.Fprintf(&b, " req R%d %s %s %q %#x %#x %s %v\n", ri, r.userID, r.email, r.name, r.perms, r.granted,
						handle("M", r.member), r.status)
				}
			}
		}
		for pi, p := range m.parts {
			if p.live && (p.org == oi || p.partner == oi) {
				fmt.Fprintf(&b, " part P%d O%d>O%d %s %v %v\n", pi, p.org, p.partner, p.level, scopeStrings(p.scopes), p.active)
			}
		}
		fmt.Fprintf(&b, " events %d\n", o.events)
	}
	return b.String()
}

func memberLine(h int, uid, email, name, role string, allow, deny pmask, scopes []string, active, external bool,
	prof map[string]string, held, eff pmask) string {
	var ps []string
	for _, k := range slices.Sorted(maps.Keys(prof)) {
		ps = append(ps, k+"="+prof[k])
	}
	return fmt.Sprintf(" member M%d %s %s %q role=%q allow=%#x deny=%#x scopes=%v active=%v external=%v profile=%v held=%#x eff=%#x\n",
		h, uid, email, name, role, allow, deny, scopes, active, external, ps, held, eff)
}

// endLine renders a member's end, relative to the run's origin, and
// whether it was recorded; nothing for a member without one.
func endLine(until time.Time, recorded bool, origin time.Time) string {
	if until.IsZero() && !recorded {
		return ""
	}
	at := "none"
	if !until.IsZero() {
		at = until.Sub(origin).String()
	}
	return fmt.Sprintf("  ends %s recorded=%v\n", at, recorded)
}

func invLine(i int, partner bool, email, role string, allow, deny pmask, scopes []string, prof map[string]string,
	st store.InvitationStatus, expires time.Duration, resends int, token, joined string) string {
	var ps []string
	for _, k := range slices.Sorted(maps.Keys(prof)) {
		ps = append(ps, k+"="+prof[k])
	}
	return fmt.Sprintf(" inv I%d partner=%v %s %q allow=%#x deny=%#x scopes=%v profile=%v %v expires=%v resends=%d token=%s joined=%s\n",
		i, partner, email, role, allow, deny, scopes, ps, st, expires, resends, token, joined)
}

// errName names a sentinel for messages.
func errName(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return err.Error()
}

// sentinels are every refusal a rule may give.
var sentinels = []error{store.ErrNotFound, store.ErrInvalid, member.ErrForbidden, member.ErrInactive,
	member.ErrOwnerProtected, member.ErrSelf, member.ErrEscalation, member.ErrSeatLimit, store.ErrAlreadyMember,
	store.ErrExists, member.ErrInUse, invite.ErrExpired, invite.ErrAlreadyUsed, invite.ErrCancelled,
	invite.ErrDeclined, store.ErrAlreadyInvited, invite.ErrAlreadyRequested, invite.ErrEmailMismatch,
	invite.ErrNoLink, invite.ErrCodeRequired, invite.ErrWrongCode, invite.ErrLocked, invite.ErrCodeExhausted,
	member.ErrKeyExpired}
