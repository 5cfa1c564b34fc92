package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// This file is the reference model of the state machine (machine.go): a
// plain, map-and-slice description of what roster must do, written from
// DESIGN.md ("The rules"), the check order documented in package member and
// the doc comments of each operation. It calls no rule and no helper of the
// member, invite or access packages: it keeps its own permission bitmask,
// its own copy of the suite's roles, and its own reading of scopes. Only the
// sentinel errors and the status and event names are shared, as the
// vocabulary the answers are compared in.

// pmask is a set of the suite's permissions (numPerms of them).
type pmask uint16

const allPerms = pmask(1)<<numPerms - 1

func pbit(p access.Permission) pmask { return 1 << p }

func maskOf(ps ...access.Permission) pmask {
	var m pmask
	for _, p := range ps {
		m |= pbit(p)
	}
	return m
}

// The suite's roles (see Policy), as the model knows them.
var (
	mViewer  = maskOf(ViewProducts)
	mEditor  = maskOf(ViewProducts, EditProducts, DeleteProducts)
	mManager = mEditor | maskOf(InviteMembers, AddMembers, RemoveMembers, ChangeRoles, ChangeStatus, EditProfiles, ReadAudit)
	mAdmin   = allPerms &^ pbit(ManageBilling)
	// Every permission that gates a lifecycle action: a partnership never
	// carries them.
	mLifecycle = maskOf(InviteMembers, AddMembers, RemoveMembers, ChangeRoles, ChangeStatus, EditProfiles,
		ManageKeys, ReadAudit, ManageRoles, ApproveRequests, ManagePartners)
	modelRoles = map[string]pmask{"owner": allPerms, "admin": mAdmin, "manager": mManager, "editor": mEditor, "viewer": mViewer}
)

const (
	ownerRole    = "owner"
	demotedRole  = "admin" // the non-owner role with the most permissions
	inviteExpiry = 7 * 24 * time.Hour
	codeFailures = 5
	codeLockout  = 15 * time.Minute
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

type mOrg struct {
	live    bool
	name    string
	seats   int
	pending int // member proposed as owner, or -1
	roles   map[string]mRole
	code    *mCode
	events  int
}

type mRole struct {
	label string
	perms pmask
}

type mCode struct {
	value    string
	failures int
	locked   time.Time
}

type mMember struct {
	h, org, user int
	live         bool
	userID       string
	email, name  string
	role         string
	allow, deny  pmask
	scopes       uint8
	active       bool
	external     bool
	profile      map[string]string
}

type mKey struct {
	org, member int
	live        bool
	name        string
}

type mInv struct {
	org         int
	partner     bool
	email, role string
	allow, deny pmask
	scopes      uint8
	profile     map[string]string
	status      store.InvitationStatus
	ttl         time.Duration
	expires     time.Time
	resends     int
	gens        int // tokens issued; the last is the current one
	joined      int // member (or partnership) created by accepting, or -1
}

type mReq struct {
	org, user      int
	userID, email  string
	name           string
	perms, granted pmask
	member         int
	status         store.RequestStatus
}

type mPart struct {
	org, partner int
	live         bool
	level        string
	scopes       uint8
	active       bool
}

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
}

// orgEvent is one audit event an operation must write: in org, of type
// typ, by the member actor on the member target (-1: no member; the
// concurrent machine, which has no model, leaves them unchecked, -2).
type orgEvent struct {
	org           int
	typ           store.EventType
	actor, target int
}

// outcome is what the model expects of an operation: the refusal, or
// success and the events it writes (none for a call that changes nothing).
type outcome struct {
	err    error
	events []orgEvent
}

func refused(err error) outcome { return outcome{err: err} }

func (m *model) ev(org int, typ store.EventType, actor, target int) orgEvent {
	return orgEvent{org, typ, actor, target}
}

func (m *model) done(evs ...orgEvent) outcome {
	for _, e := range evs {
		m.orgs[e.org].events++
	}
	return outcome{events: evs}
}

// evPair is the event of a change to partnership p, in both organisations,
// or in the granting one alone once the partner is deleted.
func (m *model) evPair(p *mPart, typ store.EventType, actor int) []orgEvent {
	evs := []orgEvent{m.ev(p.org, typ, actor, -1)}
	if m.live(p.partner) {
		evs = append(evs, m.ev(p.partner, typ, actor, -1))
	}
	return evs
}

func (m *model) live(org int) bool { return org >= 0 && org < len(m.orgs) && m.orgs[org].live }

func (m *model) rolePerms(org int, role string) pmask {
	if p, ok := modelRoles[role]; ok {
		return p
	}
	return m.orgs[org].roles[role].perms
}

func (m *model) roleExists(org int, role string) bool {
	if _, ok := modelRoles[role]; ok {
		return true
	}
	_, ok := m.orgs[org].roles[role]
	return ok
}

func isOwner(x *mMember) bool { return !x.external && x.role == ownerRole }

// held is what x holds when active: its role's permissions plus those
// added, minus those withdrawn; the owner holds everything.
func (m *model) held(x *mMember) pmask {
	if isOwner(x) {
		return allPerms
	}
	var rp pmask
	if !x.external {
		rp = m.rolePerms(x.org, x.role)
	}
	return (rp | x.allow) &^ x.deny & allPerms
}

// eff is what Can answers from: nothing while inactive.
func (m *model) eff(x *mMember) pmask {
	if !x.active {
		return 0
	}
	return m.held(x)
}

func (m *model) memberIn(org, h int) *mMember {
	if h < 0 || h >= len(m.members) {
		return nil
	}
	x := m.members[h]
	if !x.live || x.org != org {
		return nil
	}
	return x
}

// find returns the first live member that match accepts, or nil.
func (m *model) find(match func(x *mMember) bool) *mMember {
	for _, x := range m.members {
		if x.live && match(x) {
			return x
		}
	}
	return nil
}

func (m *model) owner(org int) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && isOwner(x) })
}

func (m *model) byUser(org int, user string) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && x.userID == user })
}

func (m *model) memberSomewhere(user string) bool {
	return m.find(func(x *mMember) bool { return x.userID == user }) != nil
}

func (m *model) byEmail(org int, email string) *mMember {
	return m.find(func(x *mMember) bool { return x.org == org && x.email == email })
}

// taken is the seats in use at now: staff members of any status, plus
// pending member invitations that have not expired.
func (m *model) taken(org int, now time.Time) int {
	n := 0
	for _, x := range m.members {
		if x.live && x.org == org && !x.external {
			n++
		}
	}
	for _, inv := range m.invs {
		if inv.org == org && !inv.partner && inv.open(now) {
			n++
		}
	}
	return n
}

func (m *model) seatFree(org int, now time.Time) bool {
	o := m.orgs[org]
	return o.seats == 0 || m.taken(org, now)+1 <= o.seats
}

func (i *mInv) open(now time.Time) bool { return i.status == store.Pending && now.Before(i.expires) }

// closedErr: what acting on a closed invitation says.
func (i *mInv) closedErr() error {
	switch i.status {
	case store.Accepted:
		return invite.ErrAlreadyUsed
	case store.Declined:
		return invite.ErrDeclined
	case store.Cancelled:
		return invite.ErrCancelled
	case store.Expired:
		return invite.ErrExpired
	}
	return nil
}

func (r *mReq) closedErr() error {
	switch r.status {
	case store.Approved:
		return invite.ErrAlreadyUsed
	case store.Refused:
		return invite.ErrDeclined
	case store.Withdrawn:
		return invite.ErrCancelled
	}
	return nil
}

// The building blocks of package member's order, modelled.

func (m *model) loadActor(org, h int) (*mMember, error) {
	if h < 0 {
		return nil, store.ErrInvalid
	}
	a := m.memberIn(org, h)
	if a == nil {
		return nil, store.ErrNotFound
	}
	if !a.active {
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
	return t, nil
}

func profileOK(role string, prof map[string]string) bool {
	for k := range prof {
		if !fieldAllowed(role, k) {
			return false
		}
	}
	return true
}

func keepProfile(role string, prof map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range prof {
		if fieldAllowed(role, k) {
			out[k] = v
		}
	}
	return out
}

func sameMember(a, b *mMember) bool {
	return a.role == b.role && a.allow == b.allow && a.deny == b.deny && a.scopes == b.scopes &&
		a.active == b.active && a.name == b.name && maps.Equal(a.profile, b.profile)
}

func (x *mMember) clone() *mMember {
	c := *x
	c.profile = maps.Clone(x.profile)
	return &c
}

// newMember appends a member and returns it.
func (m *model) newMember(org, user int, uid, email, name string) *mMember {
	x := &mMember{h: len(m.members), org: org, user: user, live: true, userID: uid, email: email, name: name,
		active: true, profile: map[string]string{}}
	m.members = append(m.members, x)
	return x
}

func (m *model) dropMember(x *mMember) {
	x.live = false
	for _, k := range m.keys {
		if k.member == x.h {
			k.live = false
		}
	}
	if o := m.orgs[x.org]; o.pending == x.h {
		o.pending = -1
	}
}

// apply applies o at now to the model and returns what the store must
// answer. The model changes only when the operation succeeds (and, for a
// wrong access code, by the count of misses).
func (m *model) apply(o op, now time.Time) outcome {
	switch o.kind {
	case opCreateOrg:
		return m.createOrg(o)
	case opTick:
		return outcome{}
	case opAuditLog:
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
		return m.applyKey(o)
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

func (m *model) createOrg(o op) outcome {
	email, ok := normEmail(emailVariant(o.user, o.email))
	switch {
	case o.name == "":
		return refused(store.ErrInvalid)
	case o.seats < 0:
		return refused(store.ErrInvalid)
	case !ok:
		return refused(store.ErrInvalid)
	}
	org := len(m.orgs)
	m.orgs = append(m.orgs, &mOrg{live: true, name: o.name, seats: o.seats, pending: -1, roles: map[string]mRole{}})
	x := m.newMember(org, o.user, userID(o.user), email, userName(o.user))
	x.role = ownerRole
	return m.done(m.ev(org, store.OrgCreated, x.h, x.h))
}

func (m *model) applyOrg(o op, now time.Time) outcome {
	org := m.orgs[o.org]
	switch o.kind {
	case opSetSeats:
		if o.seats < 0 {
			return refused(store.ErrInvalid)
		}
		if o.seats > 0 && m.taken(o.org, now) > o.seats {
			return refused(member.ErrSeatLimit)
		}
		if org.seats == o.seats {
			return m.done() // changes nothing, writes nothing
		}
		org.seats = o.seats
		return m.done(m.ev(o.org, store.OrgSeatsChanged, -1, -1))
	case opRenameOrg:
		if o.name == "" || strings.ContainsRune(o.name, 1) {
			return refused(store.ErrInvalid)
		}
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if !isOwner(a) {
		return refused(member.ErrForbidden)
	}
	if o.kind == opRenameOrg {
		if org.name == o.name {
			return m.done() // changes nothing, writes nothing
		}
		org.name = o.name
		return m.done(m.ev(o.org, store.OrgRenamed, a.h, -1))
	}
	// DeleteOrg: everything in it goes but its audit log.
	out := m.done(m.ev(o.org, store.OrgDeleted, a.h, -1))
	org.live, org.roles, org.code, org.pending = false, map[string]mRole{}, nil, -1
	for _, x := range m.members {
		if x.live && x.org == o.org {
			m.dropMember(x)
		}
	}
	for _, p := range m.parts {
		// The partnerships the organisation received stay, in the
		// granting organisation, which may still change or revoke them.
		if p.live && p.org == o.org {
			p.live = false
		}
	}
	return out
}

func (m *model) applyMember(o op, now time.Time) outcome {
	org := o.org
	switch o.kind {
	case opAddMember:
		email, ok := normEmail(emailVariant(o.user, o.email))
		if !ok {
			return refused(store.ErrInvalid)
		}
		if o.external != (o.role == "") {
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, AddMembers); err != nil {
			return refused(err)
		}
		role := o.role
		if o.external {
			role = ""
		}
		switch {
		case !o.external && o.role == ownerRole:
			return refused(member.ErrOwnerProtected)
		case o.external && o.role != "":
			return refused(store.ErrInvalid)
		case !o.external && !m.roleExists(org, role):
			return refused(store.ErrInvalid)
		case !profileOK(role, profiles[o.profile]):
			return refused(store.ErrInvalid)
		}
		n := &mMember{org: org, role: role, allow: o.allow, deny: o.deny, scopes: o.scopes, external: o.external, active: true}
		if !m.canGrant(a, m.held(n), o.scopes) {
			return refused(member.ErrEscalation)
		}
		if m.byUser(org, userID(o.user)) != nil || m.byEmail(org, email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		if !o.external && !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		x := m.newMember(org, o.user, userID(o.user), email, userName(o.user))
		x.role, x.allow, x.deny, x.scopes, x.external = role, o.allow, o.deny, o.scopes, o.external
		x.profile = maps.Clone(profiles[o.profile])
		return m.done(m.ev(org, store.MemberAdded, a.h, x.h))
	case opChangeRole:
		if o.role == "" {
			return refused(store.ErrInvalid)
		}
	case opProfile:
		if strings.ContainsRune(o.name, 1) {
			return refused(store.ErrInvalid)
		}
	case opLeave:
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if isOwner(a) {
			return refused(member.ErrOwnerProtected)
		}
		m.dropMember(a)
		return m.done(m.ev(org, store.MemberLeft, a.h, a.h))
	}
	if o.kind == opProfile && o.actor == o.target {
		// A member edits its own name freely, its profile fields only
		// with the gate.
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if !maps.Equal(profiles[o.profile], a.profile) {
			if err := m.gate(a, EditProfiles); err != nil {
				return refused(err)
			}
		}
		if !profileOK(a.role, profiles[o.profile]) {
			return refused(store.ErrInvalid)
		}
		next := a.clone()
		next.name, next.profile = o.name, maps.Clone(profiles[o.profile])
		return m.commit(a, next, store.MemberProfileSet)
	}
	gates := map[opKind]access.Permission{opChangeRole: ChangeRoles, opSetPerms: ChangeRoles, opSetScopes: ChangeRoles,
		opProfile: EditProfiles, opDeactivate: ChangeStatus, opReactivate: ChangeStatus, opRemove: RemoveMembers}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, gates[o.kind]); err != nil {
		return refused(err)
	}
	t, err := m.loadTarget(org, a, o.target)
	if err != nil {
		return refused(err)
	}
	next := t.clone()
	switch o.kind {
	case opRemove:
		m.dropMember(t)
		return m.done(m.ev(org, store.MemberRemoved, a.h, t.h))
	case opChangeRole:
		if t.external {
			return refused(store.ErrInvalid)
		}
		if o.role == ownerRole {
			return refused(member.ErrOwnerProtected)
		}
		if !m.roleExists(org, o.role) {
			return refused(store.ErrInvalid)
		}
		next.role, next.profile = o.role, keepProfile(o.role, t.profile)
		return m.commit(a, next, store.MemberRoleChanged)
	case opSetPerms:
		next.allow, next.deny = o.allow, o.deny
		return m.commit(a, next, store.MemberPermsSet)
	case opSetScopes:
		next.scopes = o.scopes
		return m.commit(a, next, store.MemberScopesSet)
	case opProfile:
		if !profileOK(t.role, profiles[o.profile]) {
			return refused(store.ErrInvalid)
		}
		next.name, next.profile = o.name, maps.Clone(profiles[o.profile])
		return m.commit(a, next, store.MemberProfileSet)
	case opDeactivate:
		next.active = false
		out := m.commit(a, next, store.MemberDeactivated)
		if out.err == nil && m.orgs[org].pending == t.h {
			m.orgs[org].pending = -1
		}
		return out
	case opReactivate:
		next.active = true
		return m.commit(a, next, store.MemberReactivated)
	}
	panic("unreachable")
}

// commit writes next over its record, with one event, unless it changes
// nothing; the actor must hold what next holds.
func (m *model) commit(a, next *mMember, typ store.EventType) outcome {
	if !m.canGrant(a, m.held(next), next.scopes) {
		return refused(member.ErrEscalation)
	}
	cur := m.members[next.h]
	if sameMember(cur, next) {
		return m.done()
	}
	m.members[next.h] = next
	return m.done(m.ev(next.org, typ, a.h, next.h))
}

func (m *model) applyTransfer(o op) outcome {
	org := m.orgs[o.org]
	if o.kind == opAcceptTransfer || o.kind == opCancelTransfer {
		a, err := m.loadActor(o.org, o.actor)
		if err != nil {
			return refused(err)
		}
		if o.kind == opAcceptTransfer {
			if org.pending != a.h {
				return refused(store.ErrNotFound)
			}
			return m.transfer(o.org, a, a)
		}
		if org.pending < 0 {
			return refused(store.ErrNotFound)
		}
		if !isOwner(a) && a.h != org.pending {
			return refused(member.ErrForbidden)
		}
		to := org.pending
		org.pending = -1
		return m.done(m.ev(o.org, store.TransferCancelled, a.h, to))
	}
	if o.target < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if !isOwner(a) {
		return refused(member.ErrForbidden)
	}
	t := m.memberIn(o.org, o.target)
	switch {
	case t == nil:
		return refused(store.ErrNotFound)
	case t == a:
		return refused(member.ErrSelf)
	case t.external:
		return refused(store.ErrInvalid)
	case !t.active:
		return refused(member.ErrInactive)
	}
	if o.kind == opTransfer {
		return m.transfer(o.org, a, t)
	}
	if org.pending == t.h {
		return m.done()
	}
	org.pending = t.h
	return m.done(m.ev(o.org, store.TransferProposed, a.h, t.h))
}

// transfer makes next the owner; the previous owner takes the demoted role.
func (m *model) transfer(org int, actor, next *mMember) outcome {
	prev := m.owner(org)
	prev.role, prev.profile = demotedRole, keepProfile(demotedRole, prev.profile)
	next.role, next.allow, next.deny, next.scopes = ownerRole, 0, 0, 0
	next.profile = keepProfile(ownerRole, next.profile)
	m.orgs[org].pending = -1
	return m.done(m.ev(org, store.OwnerTransferred, actor.h, next.h))
}

func validRoleName(name string) bool {
	if name == "" || len(name) > access.MaxNameLen {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r))
	})
}

func (m *model) applyRole(o op) outcome {
	org := m.orgs[o.org]
	if !validRoleName(o.role) {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ManageRoles); err != nil {
		return refused(err)
	}
	old, exists := org.roles[o.role]
	if o.kind == opCreateRole {
		if _, policy := modelRoles[o.role]; policy || exists {
			return refused(store.ErrExists)
		}
		if !m.canGrant(a, o.perms, a.scopes) {
			return refused(member.ErrEscalation)
		}
		org.roles[o.role] = mRole{label: o.name, perms: o.perms}
		return m.done(m.ev(o.org, store.RoleCreated, a.h, -1))
	}
	if !exists {
		return refused(store.ErrNotFound)
	}
	if !m.canGrant(a, old.perms, a.scopes) {
		return refused(member.ErrEscalation)
	}
	if o.kind == opUpdateRole {
		if !m.canGrant(a, o.perms, a.scopes) {
			return refused(member.ErrEscalation)
		}
		// A scoped actor cannot widen a role in use: the holders act
		// beyond its scopes.
		if !isOwner(a) && a.scopes != 0 && o.perms&^old.perms != 0 && m.roleInUse(o.org, o.role) {
			return refused(member.ErrEscalation)
		}
		if old.label == o.name && old.perms == o.perms {
			return m.done()
		}
		org.roles[o.role] = mRole{label: o.name, perms: o.perms}
		return m.done(m.ev(o.org, store.RoleUpdated, a.h, -1))
	}
	if m.roleInUse(o.org, o.role) {
		return refused(member.ErrInUse)
	}
	delete(org.roles, o.role)
	return m.done(m.ev(o.org, store.RoleDeleted, a.h, -1))
}

// roleInUse: a member, a pending invitation or a partnership refers to it.
func (m *model) roleInUse(org int, role string) bool {
	for _, x := range m.members {
		if x.live && x.org == org && x.role == role {
			return true
		}
	}
	for _, inv := range m.invs {
		if inv.org == org && inv.status == store.Pending && inv.role == role {
			return true
		}
	}
	for _, p := range m.parts {
		if p.live && p.org == org && p.level == role {
			return true
		}
	}
	return false
}

func (m *model) applyKey(o op) outcome {
	org := o.org
	if o.kind == opIssueKey {
		if o.name == "" {
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, ManageKeys); err != nil {
			return refused(err)
		}
		t := a
		if o.target != o.actor {
			if t, err = m.loadTarget(org, a, o.target); err != nil {
				return refused(err)
			}
			if !t.active {
				return refused(member.ErrInactive)
			}
		}
		m.keys = append(m.keys, &mKey{org: org, member: t.h, live: true, name: o.name})
		return m.done(m.ev(org, store.KeyIssued, a.h, t.h))
	}
	if o.key < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	k := m.keys[o.key]
	if !k.live || k.org != org {
		return refused(store.ErrNotFound)
	}
	if k.member != a.h {
		if err := m.gate(a, ManageKeys); err != nil {
			return refused(err)
		}
		if _, err := m.loadTarget(org, a, k.member); err != nil {
			return refused(err)
		}
	}
	k.live = false
	return m.done(m.ev(org, store.KeyRevoked, a.h, k.member))
}

// invGrant is what an invitation grants, as the escalation rule compares
// it: for a member, its role's permissions (a custom role's while it
// exists) plus those added, minus those withdrawn; for a partnership, its
// level's permissions but the lifecycle ones.
func (m *model) invGrant(inv *mInv) pmask {
	if inv.partner {
		return m.rolePerms(inv.org, inv.level()) &^ mLifecycle
	}
	return (m.rolePerms(inv.org, inv.role) | inv.allow) &^ inv.deny & allPerms
}

// manageGrant is what Resend, Cancel and CopyLink check the actor covers:
// what the invitation grants (invGrant).
func (m *model) manageGrant(inv *mInv) pmask { return m.invGrant(inv) }

func (i *mInv) level() string { return i.role }

func (m *model) applyInvite(o op, now time.Time) outcome {
	org := o.org
	if o.kind == opSend {
		email, ok := normEmail(emailVariant(o.user, o.email))
		switch {
		case !ok:
			return refused(store.ErrInvalid)
		case o.ttl < 0:
			return refused(store.ErrInvalid)
		case o.role == "":
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, InviteMembers); err != nil {
			return refused(err)
		}
		switch {
		case o.role == ownerRole:
			return refused(member.ErrOwnerProtected)
		case !m.roleExists(org, o.role):
			return refused(store.ErrInvalid)
		case !profileOK(o.role, profiles[o.profile]):
			return refused(store.ErrInvalid)
		}
		inv := &mInv{org: org, email: email, role: o.role, allow: o.allow, deny: o.deny, scopes: o.scopes,
			profile: maps.Clone(profiles[o.profile]), status: store.Pending, ttl: o.ttl, gens: 1, joined: -1}
		if inv.ttl == 0 {
			inv.ttl = inviteExpiry
		}
		if !m.canGrant(a, m.invGrant(inv), o.scopes) {
			return refused(member.ErrEscalation)
		}
		if m.byEmail(org, email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		old := m.pendingInv(org, false, email)
		if old != nil && old.open(now) {
			return refused(store.ErrAlreadyInvited)
		}
		if !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		if old != nil {
			old.status = store.Expired
		}
		inv.expires = now.Add(inv.ttl)
		m.invs = append(m.invs, inv)
		return m.done(m.ev(org, store.InvitationSent, a.h, -1))
	}
	if o.inv < 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(org, o.actor)
	if err != nil {
		return refused(err)
	}
	inv := m.invs[o.inv]
	found := inv.org == org && m.live(inv.org)
	gate := InviteMembers
	if found && inv.partner {
		gate = ManagePartners
	}
	if err := m.gate(a, gate); err != nil {
		return refused(err)
	}
	if !found {
		return refused(store.ErrNotFound)
	}
	if !m.canGrant(a, m.manageGrant(inv), inv.scopes) {
		return refused(member.ErrEscalation)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	switch o.kind {
	case opResend:
		if !inv.partner && !inv.open(now) && !m.seatFree(org, now) {
			return refused(member.ErrSeatLimit)
		}
		inv.gens++
		inv.resends++
		inv.expires = now.Add(inv.ttl)
		return m.done(m.ev(org, store.InvitationResent, a.h, -1))
	case opCancel:
		inv.status = store.Cancelled
		return m.done(m.ev(org, store.InvitationCancelled, a.h, -1))
	case opCopyLink:
		if !inv.open(now) {
			return refused(invite.ErrExpired)
		}
		return m.done()
	}
	panic("unreachable")
}

func (m *model) pendingInv(org int, partner bool, email string) *mInv {
	for _, inv := range m.invs {
		if inv.org == org && inv.partner == partner && inv.email == email && inv.status == store.Pending {
			return inv
		}
	}
	return nil
}

// tokenInv resolves an invitation token: gen -2 is malformed, -1 unknown,
// an earlier generation was rotated away by a resend.
func (m *model) tokenInv(o op) (*mInv, error) {
	if o.gen == -2 {
		return nil, store.ErrInvalid
	}
	if o.gen < 0 {
		return nil, store.ErrNotFound
	}
	inv := m.invs[o.inv]
	if o.gen != inv.gens-1 || !m.live(inv.org) {
		return nil, store.ErrNotFound
	}
	return inv, nil
}

// applyToken models the operations a token or a key secret carries to its
// organisation: accepting and declining invitations, and authenticating.
func (m *model) applyToken(o op, now time.Time) outcome {
	if o.kind == opAuthenticate {
		if o.key == -2 {
			return refused(store.ErrInvalid)
		}
		if o.key < 0 || !m.keys[o.key].live {
			return refused(store.ErrNotFound)
		}
		if !m.members[m.keys[o.key].member].active && !m.keysValid {
			return refused(member.ErrInactive)
		}
		return m.done()
	}
	if o.kind == opAcceptPartner || o.kind == opDeclinePartner {
		return m.answerPartner(o, now)
	}
	// Accept and Decline: the user's input first.
	email, ok := normEmail(emailVariant(o.user, o.email))
	if !ok {
		return refused(store.ErrInvalid)
	}
	inv, err := m.tokenInv(o)
	if err != nil {
		return refused(err)
	}
	if inv.partner {
		return refused(store.ErrNotFound)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	if !inv.open(now) {
		return refused(invite.ErrExpired)
	}
	if email != inv.email && !m.anyEmail {
		return refused(invite.ErrEmailMismatch)
	}
	if o.kind == opDecline {
		inv.status = store.Declined
		return m.done(m.ev(inv.org, store.InvitationDeclined, -1, -1))
	}
	if m.byUser(inv.org, userID(o.user)) != nil || m.byEmail(inv.org, email) != nil {
		return refused(store.ErrAlreadyMember)
	}
	x := m.newMember(inv.org, o.user, userID(o.user), email, userName(o.user))
	x.role, x.allow, x.deny, x.scopes, x.profile = inv.role, inv.allow, inv.deny, inv.scopes, maps.Clone(inv.profile)
	inv.status, inv.joined = store.Accepted, x.h
	return m.done(m.ev(inv.org, store.InvitationAccepted, x.h, x.h))
}

func (m *model) applyRequest(o op, now time.Time) outcome {
	org := m.orgs[o.org]
	switch o.kind {
	case opRequest:
		email, ok := normEmail(emailVariant(o.user, o.email))
		if !ok || o.perms == 0 {
			return refused(store.ErrInvalid)
		}
		// The access code, if any; a wrong one is counted even though
		// the request fails.
		var code *mCode
		if org.code != nil {
			c := *org.code
			code = &c
			if now.Before(c.locked) {
				return refused(invite.ErrLocked)
			}
			if o.code == "" {
				return refused(invite.ErrCodeRequired)
			}
			if !c.locked.IsZero() {
				code.failures, code.locked = 0, time.Time{}
			}
			if o.code != c.value {
				code.failures++
				if code.failures >= codeFailures {
					code.failures, code.locked = 0, now.Add(codeLockout)
				}
				org.code = code
				return refused(invite.ErrWrongCode)
			}
			code.failures = 0
		}
		r := &mReq{org: o.org, user: o.user, userID: userID(o.user), email: email, name: userName(o.user),
			perms: o.perms, member: -1, status: store.Asked}
		if x := m.byUser(o.org, userID(o.user)); x != nil {
			if !x.external || o.perms&^x.allow == 0 {
				return refused(store.ErrAlreadyMember)
			}
			r.member = x.h
		}
		for _, q := range m.reqs {
			if q.org == o.org && q.userID == r.userID && q.status == store.Asked {
				return refused(invite.ErrAlreadyRequested)
			}
		}
		if code != nil {
			org.code = code
		}
		m.reqs = append(m.reqs, r)
		return m.done(m.ev(o.org, store.RequestCreated, r.member, r.member))
	case opWithdraw:
		if o.req < 0 {
			return refused(store.ErrInvalid)
		}
		r := m.reqs[o.req]
		if r.org != o.org {
			return refused(store.ErrNotFound)
		}
		if r.userID != userID(o.user) {
			return refused(member.ErrForbidden)
		}
		if err := r.closedErr(); err != nil {
			return refused(err)
		}
		r.status = store.Withdrawn
		return m.done(m.ev(o.org, store.RequestWithdrawn, r.member, r.member))
	case opSetCode:
		if o.code != "" && !validCode(o.code) {
			return refused(store.ErrInvalid)
		}
		a, err := m.loadActor(o.org, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, ApproveRequests); err != nil {
			return refused(err)
		}
		if o.code != "" {
			org.code = &mCode{value: o.code}
			return m.done(m.ev(o.org, store.CodeSet, a.h, -1))
		}
		if org.code == nil {
			return m.done()
		}
		org.code = nil
		return m.done(m.ev(o.org, store.CodeCleared, a.h, -1))
	}
	// Approve and Refuse.
	if o.req < 0 {
		return refused(store.ErrInvalid)
	}
	if o.kind == opApprove && o.perms == 0 {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ApproveRequests); err != nil {
		return refused(err)
	}
	r := m.reqs[o.req]
	if r.org != o.org {
		return refused(store.ErrNotFound)
	}
	if err := r.closedErr(); err != nil {
		return refused(err)
	}
	if o.kind == opRefuse {
		r.status = store.Refused
		return m.done(m.ev(o.org, store.RequestRefused, a.h, r.member))
	}
	if o.perms == 0 || o.perms&^r.perms != 0 {
		return refused(store.ErrInvalid)
	}
	var x *mMember
	if r.member >= 0 {
		t, err := m.loadTarget(o.org, a, r.member)
		if err != nil {
			return refused(err)
		}
		next := t.clone()
		next.allow |= o.perms
		if !m.canGrant(a, m.held(next), next.scopes) {
			return refused(member.ErrEscalation)
		}
		m.members[t.h] = next
		x = next
	} else {
		n := &mMember{org: o.org, external: true, allow: o.perms, active: true}
		if !m.canGrant(a, m.held(n), 0) {
			return refused(member.ErrEscalation)
		}
		if m.byUser(o.org, r.userID) != nil || m.byEmail(o.org, r.email) != nil {
			return refused(store.ErrAlreadyMember)
		}
		x = m.newMember(o.org, r.user, r.userID, r.email, r.name)
		x.external, x.allow = true, o.perms
	}
	r.status, r.granted, r.member = store.Approved, o.perms, x.h
	return m.done(m.ev(o.org, store.RequestApproved, a.h, x.h))
}

func validCode(c string) bool {
	return len(c) >= 4 && len(c) <= 12 && !strings.ContainsFunc(c, func(r rune) bool { return r < '0' || r > '9' })
}

func (m *model) auditLog(o op) outcome {
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ReadAudit); err != nil {
		return refused(err)
	}
	return m.done()
}

// levelGrant checks a partnership level the actor may give, and returns
// what it grants a partner.
func (m *model) levelGrant(org int, a *mMember, level string, scopes uint8) (pmask, error) {
	switch {
	case level == "":
		return 0, store.ErrInvalid
	case level == ownerRole:
		return 0, member.ErrOwnerProtected
	case !m.roleExists(org, level):
		return 0, store.ErrInvalid
	}
	perms := m.rolePerms(org, level) &^ mLifecycle
	if !m.canGrant(a, perms, scopes) {
		return 0, member.ErrEscalation
	}
	return perms, nil
}

func (m *model) invitePartner(o op, now time.Time) outcome {
	email, ok := normEmail(emailVariant(o.user, o.email))
	if !ok || o.ttl < 0 {
		return refused(store.ErrInvalid)
	}
	if o.role == "" {
		return refused(store.ErrInvalid)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ManagePartners); err != nil {
		return refused(err)
	}
	if _, err := m.levelGrant(o.org, a, o.role, o.scopes); err != nil {
		return refused(err)
	}
	old := m.pendingInv(o.org, true, email)
	if old != nil && old.open(now) {
		return refused(store.ErrAlreadyInvited)
	}
	if old != nil {
		old.status = store.Expired
	}
	inv := &mInv{org: o.org, partner: true, email: email, role: o.role, scopes: o.scopes, profile: map[string]string{},
		status: store.Pending, ttl: o.ttl, gens: 1, joined: -1}
	if inv.ttl == 0 {
		inv.ttl = inviteExpiry
	}
	inv.expires = now.Add(inv.ttl)
	m.invs = append(m.invs, inv)
	return m.done(m.ev(o.org, store.PartnerInvited, a.h, -1))
}

// answerPartner models AcceptPartner and DeclinePartner: o.org is the
// partner organisation, o.actor its member.
func (m *model) answerPartner(o op, now time.Time) outcome {
	inv, err := m.tokenInv(o)
	if err != nil {
		return refused(err)
	}
	if inv.org == o.org {
		return refused(member.ErrSelf)
	}
	if !m.live(o.org) {
		return refused(store.ErrNotFound)
	}
	if !inv.partner {
		return refused(store.ErrNotFound)
	}
	if err := inv.closedErr(); err != nil {
		return refused(err)
	}
	if !inv.open(now) {
		return refused(invite.ErrExpired)
	}
	a, err := m.loadActor(o.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ManagePartners); err != nil {
		return refused(err)
	}
	if a.email != inv.email && !m.anyEmail {
		return refused(invite.ErrEmailMismatch)
	}
	if o.kind == opDeclinePartner {
		inv.status = store.Declined
		return m.done(m.ev(inv.org, store.PartnerDeclined, a.h, -1), m.ev(o.org, store.PartnerDeclined, a.h, -1))
	}
	for _, p := range m.parts {
		if p.live && p.org == inv.org && p.partner == o.org {
			return refused(store.ErrExists)
		}
	}
	m.parts = append(m.parts, &mPart{org: inv.org, partner: o.org, live: true, level: inv.role, scopes: inv.scopes, active: true})
	inv.status, inv.joined = store.Accepted, len(m.parts)-1
	return m.done(m.ev(inv.org, store.PartnerAccepted, a.h, -1), m.ev(o.org, store.PartnerAccepted, a.h, -1))
}

// applyPartner models ChangePartner, RevokePartner and LeavePartner, which
// o.org names from either side.
func (m *model) applyPartner(o op, now time.Time) outcome {
	if o.kind == opChangePartner && o.change >= partnerChanges {
		return refused(store.ErrInvalid)
	}
	if o.part < 0 {
		return refused(store.ErrInvalid)
	}
	p := m.parts[o.part]
	if !p.live || p.org != o.org && p.partner != o.org {
		return refused(store.ErrNotFound)
	}
	// A deleted organisation, on either side of the call, is not found: the
	// store cannot open a unit of work on it.
	if !m.live(p.org) || !m.live(o.org) {
		return refused(store.ErrNotFound)
	}
	if o.kind == opLeavePartner {
		if p.partner != o.org {
			return refused(member.ErrForbidden)
		}
		a, err := m.loadActor(p.partner, o.actor)
		if err != nil {
			return refused(err)
		}
		if err := m.gate(a, ManagePartners); err != nil {
			return refused(err)
		}
		p.live = false
		return m.done(m.ev(p.org, store.PartnerLeft, a.h, -1), m.ev(p.partner, store.PartnerLeft, a.h, -1))
	}
	if p.org != o.org {
		return refused(member.ErrForbidden)
	}
	a, err := m.loadActor(p.org, o.actor)
	if err != nil {
		return refused(err)
	}
	if err := m.gate(a, ManagePartners); err != nil {
		return refused(err)
	}
	if _, err := m.levelGrant(p.org, a, p.level, p.scopes); err != nil {
		return refused(err)
	}
	if o.kind == opRevokePartner {
		p.live = false
		return m.done(m.evPair(p, store.PartnerRevoked, a.h)...)
	}
	next := *p
	var typ store.EventType
	switch o.change {
	case changeLevel:
		next.level, typ = o.role, store.PartnerLevelChanged
	case changeScopes:
		next.scopes, typ = o.scopes, store.PartnerScopesChanged
	case changeSuspend:
		next.active, typ = false, store.PartnerSuspendedEvent
	case changeResume:
		next.active, typ = true, store.PartnerResumed
	}
	if _, err := m.levelGrant(p.org, a, next.level, next.scopes); err != nil {
		return refused(err)
	}
	if next == *p {
		return m.done()
	}
	*p = next
	return m.done(m.evPair(p, typ, a.h)...)
}

// partnerGrant is what user may do in org through a partnership: of the
// user's organisations that org partners with, the first created.
func (m *model) partnerGrant(org int, user string) (perms pmask, scopes uint8, ok bool) {
	best := -1
	var bp *mPart
	var bx *mMember
	for _, p := range m.parts {
		if !p.live || p.org != org || !m.live(p.partner) {
			continue
		}
		if x := m.byUser(p.partner, user); x != nil && (best < 0 || p.partner < best) {
			best, bp, bx = p.partner, p, x
		}
	}
	if bp == nil {
		return 0, 0, false
	}
	if bp.active && bx.active {
		perms = m.rolePerms(org, bp.level) &^ mLifecycle
	}
	return perms, bp.scopes, true
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
			b.WriteString(m.canLine(x))
			for ki, k := range m.keys {
				if k.live && k.member == x.h {
					fmt.Fprintf(&b, "  key K%d %q\n", ki, k.name)
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
	invite.ErrNoLink, invite.ErrCodeRequired, invite.ErrWrongCode, invite.ErrLocked}
