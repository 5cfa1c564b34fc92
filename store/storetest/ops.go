package storetest

import (
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
)

// opKind is an operation of the state machine: every lifecycle,
// invitation, access-request, API-key and partnership operation of the
// member and invite packages, a read or two, and the clock.
type opKind uint8

const (
	opCreateOrg opKind = iota
	opRenameOrg
	opSetSeats
	opDeleteOrg
	opAddMember
	opChangeRole
	opSetPerms
	opSetScopes
	opProfile
	opDeactivate
	opReactivate
	opRemove
	opLeave
	opTransfer
	opPropose
	opAcceptTransfer
	opCancelTransfer
	opCreateRole
	opUpdateRole
	opDeleteRole
	opIssueKey
	opRevokeKey
	opAuthenticate
	opSend
	opResend
	opCancel
	opCopyLink
	opAccept
	opDecline
	opRequest
	opApprove
	opRefuse
	opWithdraw
	opSetCode
	opInvitePartner
	opAcceptPartner
	opDeclinePartner
	opChangePartner
	opRevokePartner
	opLeavePartner
	opAuditLog
	opChangeEmail
	opDeprovision
	opTick
	opSetExpiry
	opExpireDue
	numOps
)

var opNames = [numOps]string{"CreateOrg", "RenameOrg", "SetSeatLimit", "DeleteOrg", "AddMember", "ChangeRole",
	"SetPermissions", "SetScopes", "UpdateProfile", "Deactivate", "Reactivate", "Remove", "Leave",
	"TransferOwnership", "ProposeTransfer", "AcceptTransfer", "CancelTransfer", "CreateRole", "UpdateRole",
	"DeleteRole", "IssueKey", "RevokeKey", "Authenticate", "Send", "Resend", "Cancel", "CopyLink", "Accept",
	"Decline", "RequestAccess", "Approve", "Refuse", "Withdraw", "SetCode", "InvitePartner", "AcceptPartner",
	"DeclinePartner", "ChangePartner", "RevokePartner", "LeavePartner", "AuditLog", "ChangeEmail", "Deprovision", "Tick", "SetExpiry", "ExpireDue"}

func (k opKind) String() string { return opNames[k] }

// byToken: the operation reaches its organisation through a token.
func (k opKind) byToken() bool {
	return k == opAccept || k == opDecline || k == opAcceptPartner || k == opDeclinePartner
}

// partnerPair: the operation names a partnership from either side.
func (k opKind) partnerPair() bool {
	return k == opChangePartner || k == opRevokePartner || k == opLeavePartner
}

// The changes ChangePartner makes; partnerChanges is a malformed one (two
// changes at once).
const (
	changeLevel = iota
	changeScopes
	changeSuspend
	changeResume
	partnerChanges
)

// op is one step of the state machine. Records are named by handles: the
// index of the organisation, member, key, invitation, request or
// partnership in the order they were created, whichever organisation they
// belong to and whether or not they still exist; -1 is the nil ID.
type op struct {
	kind     opKind
	org      int // the organisation acted in (for partner answers: the partner)
	actor    int
	target   int
	user     int // the host's user (users 0…numUsers-1)
	email    int // emailVariant of user
	role     string
	allow    pmask
	deny     pmask
	perms    pmask
	scopes   uint8
	name     string // organisation, display, key name, or custom role label
	profile  int    // index into profiles
	external bool
	inv, gen int // invitation and token generation (-1 unknown token, -2 malformed)
	key      int // key (-1: nil ID for RevokeKey, unknown secret for Authenticate; -2 malformed)
	req      int
	part     int
	code     string
	seats    int
	ttl      time.Duration
	dur      time.Duration
	change   int
	succ     int // Deprovision: the user that succeeds in every organisation (-1: none)
}

// sysHandle is the actor handle of the system principal "support"
// (member.AsSystem, member.System).
const sysHandle = -3

func handleName(prefix string, i int) string {
	if i == sysHandle && prefix == "M" {
		return "system:support"
	}
	if i < 0 {
		return "nil"
	}
	return fmt.Sprintf("%s%d", prefix, i)
}

// String describes o as a line of the failing sequence.
func (o op) String() string {
	var b strings.Builder
	b.WriteString(o.kind.String())
	arg := func(k, v string) { fmt.Fprintf(&b, " %s=%s", k, v) }
	org := func() { arg("org", handleName("O", o.org)) }
	actor := func() { arg("actor", handleName("M", o.actor)) }
	target := func() { arg("target", handleName("M", o.target)) }
	user := func() { arg("user", fmt.Sprintf("%d/%q", o.user, emailVariant(o.user, o.email))) }
	token := func() {
		switch o.gen {
		case -1:
			arg("token", "unknown")
		case -2:
			arg("token", "malformed")
		default:
			arg("token", fmt.Sprintf("I%d.%d", o.inv, o.gen))
		}
	}
	switch o.kind {
	case opCreateOrg:
		arg("name", fmt.Sprintf("%q", o.name))
		arg("seats", fmt.Sprint(o.seats))
		user()
	case opRenameOrg:
		org()
		actor()
		arg("name", fmt.Sprintf("%q", o.name))
	case opSetSeats:
		org()
		arg("seats", fmt.Sprint(o.seats))
	case opDeleteOrg, opLeave, opAcceptTransfer, opCancelTransfer, opAuditLog:
		org()
		actor()
	case opAddMember:
		org()
		actor()
		user()
		arg("external", fmt.Sprint(o.external))
		arg("role", fmt.Sprintf("%q", o.role))
		arg("allow", fmt.Sprintf("%#x", o.allow))
		arg("deny", fmt.Sprintf("%#x", o.deny))
		arg("scopes", fmt.Sprint(scopeStrings(o.scopes)))
		arg("profile", fmt.Sprint(profiles[o.profile]))
		if o.dur != 0 {
			arg("until", "+"+o.dur.String())
		}
	case opChangeRole:
		org()
		actor()
		target()
		arg("role", fmt.Sprintf("%q", o.role))
	case opSetPerms:
		org()
		actor()
		target()
		arg("allow", fmt.Sprintf("%#x", o.allow))
		arg("deny", fmt.Sprintf("%#x", o.deny))
	case opSetScopes:
		org()
		actor()
		target()
		arg("scopes", fmt.Sprint(scopeStrings(o.scopes)))
	case opProfile:
		org()
		actor()
		target()
		arg("name", fmt.Sprintf("%q", o.name))
		arg("profile", fmt.Sprint(profiles[o.profile]))
	case opDeactivate, opReactivate, opRemove, opTransfer, opPropose:
		org()
		actor()
		target()
	case opCreateRole, opUpdateRole:
		org()
		actor()
		arg("role", fmt.Sprintf("%q", o.role))
		arg("label", fmt.Sprintf("%q", o.name))
		arg("perms", fmt.Sprintf("%#x", o.perms))
	case opDeleteRole:
		org()
		actor()
		arg("role", fmt.Sprintf("%q", o.role))
	case opIssueKey:
		org()
		actor()
		target()
		arg("name", fmt.Sprintf("%q", o.name))
		if o.perms != 0 {
			arg("perms", fmt.Sprintf("%#x", o.perms))
		}
		if o.ttl != 0 {
			arg("ttl", o.ttl.String())
		}
	case opRevokeKey:
		org()
		actor()
		arg("key", handleName("K", o.key))
	case opAuthenticate:
		switch o.key {
		case -1:
			arg("secret", "unknown")
		case -2:
			arg("secret", "malformed")
		default:
			arg("secret", handleName("K", o.key))
		}
	case opSend:
		org()
		actor()
		user()
		arg("role", fmt.Sprintf("%q", o.role))
		arg("allow", fmt.Sprintf("%#x", o.allow))
		arg("deny", fmt.Sprintf("%#x", o.deny))
		arg("scopes", fmt.Sprint(scopeStrings(o.scopes)))
		arg("profile", fmt.Sprint(profiles[o.profile]))
		arg("ttl", o.ttl.String())
	case opResend, opCancel, opCopyLink:
		org()
		actor()
		arg("inv", handleName("I", o.inv))
	case opAccept, opDecline:
		token()
		user()
	case opRequest:
		org()
		user()
		arg("perms", fmt.Sprintf("%#x", o.perms))
		arg("code", fmt.Sprintf("%q", o.code))
	case opApprove:
		org()
		actor()
		arg("req", handleName("R", o.req))
		arg("perms", fmt.Sprintf("%#x", o.perms))
	case opRefuse:
		org()
		actor()
		arg("req", handleName("R", o.req))
	case opWithdraw:
		org()
		arg("user", userID(o.user))
		arg("req", handleName("R", o.req))
	case opSetCode:
		org()
		actor()
		arg("code", fmt.Sprintf("%q", o.code))
	case opInvitePartner:
		org()
		actor()
		user()
		arg("level", fmt.Sprintf("%q", o.role))
		arg("scopes", fmt.Sprint(scopeStrings(o.scopes)))
		arg("ttl", o.ttl.String())
	case opAcceptPartner, opDeclinePartner:
		token()
		arg("partner", handleName("O", o.org))
		actor()
	case opChangePartner:
		org()
		actor()
		arg("part", handleName("P", o.part))
		switch o.change {
		case changeLevel:
			arg("level", fmt.Sprintf("%q", o.role))
		case changeScopes:
			arg("scopes", fmt.Sprint(scopeStrings(o.scopes)))
		case changeSuspend:
			arg("status", "suspended")
		case changeResume:
			arg("status", "active")
		default:
			arg("change", "level+status")
		}
	case opRevokePartner, opLeavePartner:
		org()
		actor()
		arg("part", handleName("P", o.part))
	case opChangeEmail:
		actor()
		user()
	case opDeprovision:
		actor()
		arg("user", fmt.Sprint(o.user))
		arg("successor", fmt.Sprint(o.succ))
	case opTick:
		arg("by", o.dur.String())
	case opSetExpiry:
		org()
		actor()
		target()
		if o.dur == 0 {
			arg("until", "none")
		} else {
			arg("until", "+"+o.dur.String())
		}
	}
	return b.String()
}

// view is what the generator needs to know of the world to draw sensible
// operations: the model's state in the sequential machine, the handles
// recorded so far in the concurrent one.
type view interface {
	numOrgs() int
	liveOrgs() []int
	numMembers() int
	orgMembers(org int) []int
	orgOwner(org int) int   // -1 if unknown
	orgPending(org int) int // -1 if none or unknown
	numKeys() int
	keyOrg(k int) int
	numInvs() int
	invOrg(i int) int
	invGens(i int) int
	invPartner(i int) bool
	invitee(i, org int) int // the member of org with invitation i's e-mail, or -1
	numReqs() int
	reqOrg(r int) int
	reqUser(r int) int
	reqPerms(r int) pmask
	numParts() int
	partOrgs(p int) (org, partner int)
}

// drawer draws an integer in [0, n).
type drawer interface {
	intn(n int, label string) int
}

// maxOrgs bounds the organisations a run creates.
const maxOrgs = 5

// gen draws operations.
type gen struct {
	d drawer
	v view
}

func (g gen) n(n int, label string) int { return g.d.intn(n, label) }

// rare is true k times in n. rapid favours the smallest and the largest
// draw, so both mean false here: the rare branch stays rare, and shrinking
// leads away from it.
func (g gen) rare(k, n int, label string) bool {
	v := g.d.intn(n, label)
	return v >= 1 && v <= k
}

// likely is true k times in n, and for rapid's favourite draws.
func (g gen) likely(k, n int, label string) bool { return !g.rare(n-k, n, label) }

// choose returns i with weight w[i]. Put common choices first and last:
// rapid favours them.
func (g gen) choose(label string, w ...int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	v := g.d.intn(total, label)
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

func (g gen) org() int {
	live := g.v.liveOrgs()
	if len(live) > 0 && !g.rare(1, 12, "dead-org") {
		return live[g.n(len(live), "org")]
	}
	return g.n(g.v.numOrgs(), "any-org")
}

func (g gen) anyMember() int {
	n := g.v.numMembers()
	if n == 0 {
		return -1
	}
	return g.n(n, "any-member")
}

func (g gen) orgMember(org int) int {
	ms := g.v.orgMembers(org)
	if len(ms) == 0 {
		return g.anyMember()
	}
	return ms[g.n(len(ms), "member")]
}

// actor is the owner, a member of org, anyone, nil, or the system
// (member.AsSystem, the handle sysHandle).
func (g gen) actor(org int) int {
	switch g.choose("actor", 8, 1, 2, 9, 2) {
	case 4:
		return sysHandle
	case 0:
		if o := g.v.orgOwner(org); o >= 0 {
			return o
		}
	case 1:
		return -1
	case 2:
		return g.anyMember()
	}
	return g.orgMember(org)
}

func (g gen) target(org int) int {
	switch g.choose("target", 12, 1, 3, 4) {
	case 1:
		return -1
	case 2:
		return g.anyMember()
	}
	return g.orgMember(org)
}

var roleChoices = []string{"viewer", "editor", "owner", "manager", "custom1", "", "admin", "custom2", "editor", "viewer"}

func (g gen) role() string { return roleChoices[g.n(len(roleChoices), "role")] }

var roleMasks = []pmask{mViewer, mEditor, mManager, mAdmin}

func (g gen) perms(label string) pmask {
	switch g.n(8, label) {
	case 0, 1:
		return 0
	case 2:
		return pbit(access.Permission(g.n(int(fixture.NumPerms), label+"-perm")))
	case 3:
		return roleMasks[g.n(len(roleMasks), label+"-role")]
	case 4:
		return pbit(access.Permission(g.n(int(fixture.NumPerms), label+"-a"))) | pbit(access.Permission(g.n(int(fixture.NumPerms), label+"-b")))
	case 5:
		return roleMasks[g.n(len(roleMasks), label+"-role")] &^ pbit(access.Permission(g.n(int(fixture.NumPerms), label+"-perm")))
	case 6:
		return allPerms
	}
	return pmask(g.n(1<<fixture.NumPerms, label+"-mask"))
}

func (g gen) scopes() uint8 {
	if g.rare(1, 2, "scoped") {
		return 0
	}
	return uint8(g.n(8, "scopes"))
}

func (g gen) user() (user, email int) {
	user = g.n(numUsers, "user")
	return user, []int{0, 1, 2, 3, 0}[g.choose("email", 12, 3, 1, 1, 3)]
}

func (g gen) ttl() time.Duration {
	return []time.Duration{0, time.Hour, -time.Hour, 0}[g.choose("ttl", 5, 2, 1, 2)]
}

// token draws an invitation token: the current one mostly, else an old,
// an unknown or a malformed one.
func (g gen) token(partner bool) (inv, gen int) {
	n := g.v.numInvs()
	if n == 0 {
		return -1, -1 - g.n(2, "no-token")
	}
	inv = n - 1 - g.n(n, "inv") // the latest first
	for range 3 {               // prefer an invitation of the kind the operation answers
		if g.v.invPartner(inv) == partner {
			break
		}
		inv = g.n(n, "inv")
	}
	gens := g.v.invGens(inv)
	switch g.choose("token", 5, 1, 1, 1, 4) {
	case 1:
		return inv, g.n(gens, "old-token")
	case 2:
		return inv, -1
	case 3:
		return inv, -2
	}
	return inv, gens - 1
}

func (g gen) inv(org int) int {
	n := g.v.numInvs()
	if n == 0 {
		return -1
	}
	i := n - 1 - g.n(n, "inv")
	for range 2 {
		if g.v.invOrg(i) == org || !g.likely(3, 4, "inv-in-org") {
			break
		}
		i = g.n(n, "inv")
	}
	if g.rare(1, 30, "nil-inv") {
		return -1
	}
	return i
}

func (g gen) req(org int) int {
	n := g.v.numReqs()
	if n == 0 || g.rare(1, 30, "nil-req") {
		return -1
	}
	r := n - 1 - g.n(n, "req")
	for range 2 {
		if g.v.reqOrg(r) == org || !g.likely(3, 4, "req-in-org") {
			break
		}
		r = g.n(n, "req")
	}
	return r
}

func (g gen) part() int {
	n := g.v.numParts()
	if n == 0 || g.rare(1, 30, "nil-part") {
		return -1
	}
	return g.n(n, "part")
}

// The categories of operations; the state machine draws one per step, and
// an operation within it.
var categories = []string{"org", "add", "member", "status", "owner", "role", "key", "invite", "answer", "request", "partner", "clock", "expiry", "user"}

func (g gen) draw(cat string) op {
	org := g.org()
	o := op{org: org, actor: g.actor(org), target: -1, inv: -1, key: -1, req: -1, part: -1}
	switch cat {
	case "org":
		switch g.choose("org-op", 3, 4, 1, 1, 3) {
		case 0:
			o.kind = opRenameOrg
			o.name = []string{"Renamed", "", "bad\x01name", "Acme"}[g.n(4, "org-name")]
		case 1:
			o.kind = opSetSeats
			o.seats = []int{0, 2, -1, 4, 5, 6, 8}[g.n(7, "seats")]
		case 2:
			o.kind = opCreateOrg
			if g.v.numOrgs() >= maxOrgs {
				o.kind = opAuditLog
			}
			o.user, o.email = g.user()
			o.name = []string{"Delta", "", "Epsilon"}[g.n(3, "org-name")]
			o.seats = []int{0, 3, -1, 0}[g.n(4, "seats")]
		case 3:
			o.kind = opDeleteOrg
		default:
			o.kind = opAuditLog
		}
	case "add":
		o.kind = opAddMember
		o.user, o.email = g.user()
		o.external = g.rare(1, 6, "external")
		o.role = g.role()
		if o.external && g.likely(3, 4, "no-role") {
			o.role = ""
		}
		o.allow, o.deny = g.perms("allow")&g.perms("allow2"), g.perms("deny")&g.perms("deny2")
		o.scopes = g.scopes()
		o.profile = g.n(len(profiles), "profile")
		if g.rare(1, 4, "until") {
			o.dur = []time.Duration{time.Hour, 24 * time.Hour}[g.n(2, "add-until")]
		}
	case "member":
		o.target = g.target(org)
		switch g.n(4, "member-op") {
		case 0:
			o.kind, o.role = opChangeRole, g.role()
		case 1:
			o.kind, o.allow, o.deny = opSetPerms, g.perms("allow"), g.perms("deny")
		case 2:
			o.kind, o.scopes = opSetScopes, g.scopes()
		default:
			o.kind = opProfile
			if g.rare(1, 3, "self") {
				o.target = o.actor
			}
			o.name = []string{"Alice", "", "bad\x01name", "Bob"}[g.n(4, "display-name")]
			o.profile = g.n(len(profiles), "profile")
		}
	case "status":
		o.target = g.target(org)
		o.kind = []opKind{opDeactivate, opReactivate, opRemove, opLeave}[g.n(4, "status-op")]
		if o.kind == opLeave {
			o.actor = g.orgMember(org)
		}
	case "owner":
		o.target = g.target(org)
		o.kind = []opKind{opTransfer, opPropose, opAcceptTransfer, opCancelTransfer}[g.n(4, "owner-op")]
		if p := g.v.orgPending(org); p >= 0 && o.kind >= opAcceptTransfer && g.likely(2, 3, "pending-actor") {
			o.actor = p
		}
	case "role":
		o.kind = []opKind{opCreateRole, opUpdateRole, opDeleteRole}[g.n(3, "role-op")]
		o.role = []string{"custom1", "custom2", "admin", "bad name", "custom2", "custom1"}[g.n(6, "role-name")]
		o.name = []string{"Custom", "Renamed"}[g.n(2, "label")]
		o.perms = g.perms("perms")
	case "key":
		switch g.n(3, "key-op") {
		case 0:
			o.kind = opIssueKey
			o.target = o.actor
			if g.rare(1, 2, "key-for-other") {
				o.target = g.target(org)
			}
			o.name = []string{"ci", "", "deploy"}[g.n(3, "key-name")]
			// A key limited to a subset of permissions, and one
			// that expires within a run (member.KeySpec).
			if g.rare(1, 2, "key-subset") {
				o.perms = g.perms("key-perms")
			}
			o.ttl = []time.Duration{0, time.Hour, 24 * time.Hour}[g.n(3, "key-ttl")]
		case 1:
			o.kind = opRevokeKey
			o.key = g.key(org, -1)
		default:
			o.kind = opAuthenticate
			o.key = g.key(org, []int{-1, -2}[g.n(2, "bad-secret")])
		}
	case "invite":
		switch k := g.n(10, "invite-op"); {
		case k < 4:
			o.kind = opSend
			o.user, o.email = g.user()
			o.role = g.role()
			o.allow, o.deny = g.perms("allow")&g.perms("allow2"), g.perms("deny")&g.perms("deny2")
			o.scopes = g.scopes()
			o.profile = g.n(len(profiles), "profile")
			o.ttl = g.ttl()
		case k < 6:
			o.kind, o.inv = opResend, g.inv(org)
		case k < 8:
			o.kind, o.inv = opCancel, g.inv(org)
		default:
			o.kind, o.inv = opCopyLink, g.inv(org)
		}
	case "answer":
		o.kind = opAccept
		if g.rare(1, 4, "decline") {
			o.kind = opDecline
		}
		o.inv, o.gen = g.token(false)
		o.user, o.email = g.user()
	case "request":
		switch g.n(7, "request-op") {
		case 0, 1:
			o.kind = opRequest
			o.user, o.email = g.user()
			o.perms = g.perms("perms")
			o.code = []string{"1234", "", "9999", "1234"}[g.n(4, "code")]
		case 2, 3:
			o.kind, o.req = opApprove, g.req(org)
			o.perms = g.perms("perms")
			if o.req >= 0 && g.likely(3, 4, "narrow") {
				o.perms = g.v.reqPerms(o.req) & (g.perms("narrow") | pbit(access.Permission(g.n(int(fixture.NumPerms), "keep"))))
			}
		case 4:
			o.kind, o.req = opRefuse, g.req(org)
		case 5:
			o.kind, o.req = opWithdraw, g.req(org)
			o.user, _ = g.user()
			if o.req >= 0 && g.likely(3, 4, "own-request") {
				o.user = g.v.reqUser(o.req)
			}
		default:
			o.kind = opSetCode
			o.code = []string{"1234", "", "12a4", "9999", "1234"}[g.n(5, "code")]
		}
	case "partner":
		switch k := g.n(12, "partner-op"); {
		case k < 3:
			o.kind = opInvitePartner
			o.user, o.email = g.user()
			o.role = g.role()
			o.scopes = g.scopes()
			o.ttl = g.ttl()
		case k < 6:
			o.kind = opAcceptPartner
			if g.rare(1, 4, "decline") {
				o.kind = opDeclinePartner
			}
			o.inv, o.gen = g.token(true)
			if o.gen >= 0 && o.org == g.v.invOrg(o.inv) && g.likely(3, 4, "other-org") {
				o.org = g.org()
			}
			o.actor = g.actor(o.org)
			// Mostly the invited person answers, as it must to succeed.
			if o.inv >= 0 && g.likely(3, 4, "invitee") {
				if h := g.v.invitee(o.inv, o.org); h >= 0 {
					o.actor = h
				}
			}
		default:
			o.part = g.part()
			o.kind = []opKind{opChangePartner, opChangePartner, opRevokePartner, opLeavePartner}[g.n(4, "pair-op")]
			if o.part >= 0 && g.likely(4, 5, "right-side") {
				gr, pa := g.v.partOrgs(o.part)
				o.org = gr
				if o.kind == opLeavePartner {
					o.org = pa
				}
				o.actor = g.actor(o.org)
			}
			o.change = []int{changeLevel, changeScopes, partnerChanges, changeSuspend, changeResume}[g.choose("change", 3, 2, 1, 2, 2)]
			o.role = g.role()
			o.scopes = g.scopes()
		}
	case "expiry":
		if g.rare(1, 4, "sweep") {
			o.kind = opExpireDue
			break
		}
		o.kind, o.target = opSetExpiry, g.target(org)
		// An end in an hour or a day, none (clear it), or one in the past.
		o.dur = []time.Duration{time.Hour, 24 * time.Hour, 0, -time.Hour, 30 * time.Minute}[g.n(5, "until")]
	case "user":
		// The host's operations on a user across organisations: under
		// the system mostly, to a new e-mail mostly.
		if g.likely(3, 4, "as-system") {
			o.actor = sysHandle
		}
		o.user = g.n(numUsers, "user")
		if g.rare(1, 2, "user-op") {
			o.kind = opChangeEmail
			o.email = []int{4, 0, 1, 2, 3}[g.choose("new-email", 6, 1, 1, 2, 1)]
		} else {
			o.kind = opDeprovision
			o.succ = g.n(numUsers+1, "successor") - 1
		}
	case "clock":
		o.kind = opTick
		o.dur = []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 15 * time.Minute, 16 * time.Minute}[g.n(6, "tick")]
	}
	return o
}

// key draws a key of org mostly; none is the given fallback.
func (g gen) key(org, none int) int {
	n := g.v.numKeys()
	if n == 0 || g.rare(1, 12, "no-key") {
		return none
	}
	k := n - 1 - g.n(n, "key")
	if g.v.keyOrg(k) != org && g.likely(3, 4, "key-in-org") {
		k = g.n(n, "key")
	}
	return k
}
