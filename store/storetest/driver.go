package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// driver applies operations to one store through the public API, and keeps
// the store's identifiers, tokens and secrets under the handles the model
// (or the concurrent generator) names them by. It is safe for concurrent
// use.
type driver struct {
	name   string
	s      store.Store
	ctx    context.Context
	clock  *fixture.Clock
	origin time.Time

	mu        sync.Mutex
	orgs      []store.ID
	owners    []int
	pending   []int
	members   []store.ID
	memOrg    []int
	keys      []store.ID
	keyOrgs   []int
	keyMember []int
	secrets   []string
	invs      []store.ID
	invOrgs   []int
	invPart   []bool
	tokens    [][]string
	reqs      []store.ID
	reqOrgs   []int
	reqUsers  []int
	reqPerm   []pmask
	parts     []store.ID
	partOrg   [][2]int
	names     map[store.ID]string
	order     map[store.ID]int
	hashes    map[[32]byte]string
	lastSeq   []int64
	prev      string
}

func newDriver(name string, s store.Store, clock *fixture.Clock) *driver {
	return &driver{name: name, s: s, ctx: context.Background(), clock: clock, origin: clock.Now(),
		names: map[store.ID]string{}, order: map[store.ID]int{}, hashes: map[[32]byte]string{}}
}

// res is a store's answer to an operation.
type res struct {
	err    error
	m      store.Member // the member returned, if any
	link   string       // CopyLink
	events int          // AuditLog: events read
	// On success, the events the operation writes by its kind alone, and
	// whether it may have changed nothing (and written none): what the
	// concurrent machine tallies without a model.
	evs  []orgEvent
	noop bool
}

func (d *driver) nameID(id store.ID, prefix string, i int) {
	d.names[id] = fmt.Sprintf("%s%d", prefix, i)
	d.order[id] = i
}

func (d *driver) idName(id store.ID) string {
	if id == uuid.Nil {
		return "-"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.names[id]; ok {
		return n
	}
	return "?" + id.String()
}

func at[T any](xs []T, i int, zero T) T {
	if i < 0 || i >= len(xs) {
		return zero
	}
	return xs[i]
}

func (d *driver) orgID(i int) store.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.orgs, i, uuid.Nil)
}

func (d *driver) memberID(h int) store.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.members, h, uuid.Nil)
}

func (d *driver) invID(i int) store.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.invs, i, uuid.Nil)
}

func (d *driver) reqID(i int) store.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.reqs, i, uuid.Nil)
}

func (d *driver) partID(i int) store.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.parts, i, uuid.Nil)
}

// unknownSecret is well formed and belongs to nothing.
func unknownSecret(kind string) string { return kind + "_" + strings.Repeat("A", 43) }

func (d *driver) token(inv, gen int) string {
	switch gen {
	case -1:
		return unknownSecret(invite.TokenKind)
	case -2:
		return invite.TokenKind + "_malformed"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tokens[inv][gen]
}

func (d *driver) secret(k int) string {
	switch k {
	case -1:
		return unknownSecret(member.KeyKind)
	case -2:
		return member.KeyKind + "_malformed"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.secrets[k]
}

func (d *driver) addOrg(id store.ID, owner store.ID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	org := len(d.orgs)
	d.orgs = append(d.orgs, id)
	d.nameID(id, "O", org)
	d.lastSeq = append(d.lastSeq, 0)
	d.pending = append(d.pending, -1)
	d.owners = append(d.owners, len(d.members))
	d.addMemberLocked(owner, org)
}

func (d *driver) addMember(id store.ID, org int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addMemberLocked(id, org)
}

func (d *driver) addMemberLocked(id store.ID, org int) {
	if _, known := d.names[id]; known {
		return
	}
	d.nameID(id, "M", len(d.members))
	d.members = append(d.members, id)
	d.memOrg = append(d.memOrg, org)
}

func (d *driver) addToken(inv int, token string) {
	hash, _ := invite.HashToken(token)
	d.hashes[hash] = fmt.Sprintf("I%d.%d", inv, len(d.tokens[inv]))
	d.tokens[inv] = append(d.tokens[inv], token)
}

func (d *driver) addInv(inv store.Invitation, token string, org int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := len(d.invs)
	d.nameID(inv.ID, "I", i)
	d.invs = append(d.invs, inv.ID)
	d.invOrgs = append(d.invOrgs, org)
	d.invPart = append(d.invPart, inv.Kind == store.ForPartner)
	d.tokens = append(d.tokens, nil)
	d.addToken(i, token)
}

func (d *driver) profile(i int) store.Profile {
	p, err := store.NewProfile(profiles[i])
	if err != nil {
		panic(err)
	}
	return p
}

func setOf(m pmask) access.Set {
	var s access.Set
	s[0] = uint64(m)
	return s
}

func scopesOf(m uint8) access.Scopes { return access.MustScopes(scopeStrings(m)...) }

// apply runs o on the store.
func (d *driver) apply(o op) res {
	r := d.call(o)
	if r.err == nil {
		r.evs, r.noop = d.eventsOf(o)
	}
	return r
}

// until is the end an operation gives: dur from now, or none for 0.
func (d *driver) until(dur time.Duration) time.Time {
	if dur == 0 {
		return time.Time{}
	}
	return d.clock.Now().Add(dur)
}

func (d *driver) call(o op) res {
	ctx, s := d.ctx, d.s
	org, actor, target := d.orgID(o.org), d.memberID(o.actor), d.memberID(o.target)
	if o.actor == sysHandle {
		ctx, actor = member.AsSystem(ctx, "support"), member.System
	}
	newUser := func() member.NewUser {
		return member.NewUser{UserID: userID(o.user), Email: emailVariant(o.user, o.email), Name: userName(o.user)}
	}
	var r res
	switch o.kind {
	case opTick:
		d.clock.Advance(o.dur)
	case opChangeEmail:
		_, r.err = member.ChangeEmail(ctx, s, userID(o.user), emailVariant(o.user, o.email))
	case opDeprovision:
		succ := map[store.ID]string{}
		if o.succ >= 0 {
			d.mu.Lock()
			for _, id := range d.orgs {
				succ[id] = userID(o.succ)
			}
			d.mu.Unlock()
		}
		_, r.err = member.Deprovision(ctx, s, userID(o.user), succ)
		d.rereadOwners()
	case opCreateOrg:
		var o2 store.Org
		var owner store.Member
		o2, owner, r.err = member.CreateOrg(ctx, s, member.NewOrg{Name: o.name, SeatLimit: o.seats, Owner: newUser()})
		if r.err == nil {
			d.addOrg(o2.ID, owner.ID)
			r.m = owner
		}
	case opRenameOrg:
		_, r.err = member.RenameOrg(ctx, s, org, actor, o.name)
	case opSetSeats:
		_, r.err = member.SetSeatLimit(ctx, s, org, o.seats)
	case opDeleteOrg:
		r.err = member.DeleteOrg(ctx, s, org, actor)
	case opAddMember:
		r.m, r.err = member.AddMember(ctx, s, org, actor, member.NewMember{NewUser: newUser(),
			Kind: map[bool]store.Kind{false: store.Staff, true: store.External}[o.external], Role: o.role,
			Allow: setOf(o.allow), Deny: setOf(o.deny), Scopes: scopesOf(o.scopes), Profile: d.profile(o.profile),
			Until: d.until(o.dur)})
		if r.err == nil {
			d.addMember(r.m.ID, o.org)
		}
	case opSetExpiry:
		r.m, r.err = member.SetExpiry(ctx, s, org, actor, target, d.until(o.dur))
	case opExpireDue:
		r.events, r.err = member.ExpireDue(ctx, s, 100)
	case opChangeRole:
		r.m, r.err = member.ChangeRole(ctx, s, org, actor, target, o.role)
	case opSetPerms:
		r.m, r.err = member.SetPermissions(ctx, s, org, actor, target, setOf(o.allow), setOf(o.deny))
	case opSetScopes:
		r.m, r.err = member.SetScopes(ctx, s, org, actor, target, scopesOf(o.scopes))
	case opProfile:
		r.m, r.err = member.UpdateProfile(ctx, s, org, actor, target, o.name, d.profile(o.profile))
	case opDeactivate:
		r.m, r.err = member.Deactivate(ctx, s, org, actor, target)
		if r.err == nil {
			d.mu.Lock()
			if d.pending[o.org] == o.target {
				d.pending[o.org] = -1
			}
			d.mu.Unlock()
		}
	case opReactivate:
		r.m, r.err = member.Reactivate(ctx, s, org, actor, target)
	case opRemove:
		r.err = member.Remove(ctx, s, org, actor, target)
	case opLeave:
		r.err = member.Leave(ctx, s, org, actor)
	case opTransfer:
		r.err = member.TransferOwnership(ctx, s, org, actor, target)
		if r.err == nil {
			d.mu.Lock()
			d.owners[o.org], d.pending[o.org] = o.target, -1
			d.mu.Unlock()
		}
	case opPropose:
		r.err = member.ProposeTransfer(ctx, s, org, actor, target)
		if r.err == nil {
			d.mu.Lock()
			d.pending[o.org] = o.target
			d.mu.Unlock()
		}
	case opAcceptTransfer:
		r.err = member.AcceptTransfer(ctx, s, org, actor)
		if r.err == nil {
			d.mu.Lock()
			d.owners[o.org], d.pending[o.org] = o.actor, -1
			d.mu.Unlock()
		}
	case opCancelTransfer:
		r.err = member.CancelTransfer(ctx, s, org, actor)
		if r.err == nil {
			d.mu.Lock()
			d.pending[o.org] = -1
			d.mu.Unlock()
		}
	case opCreateRole:
		_, r.err = member.CreateRole(ctx, s, org, actor, o.role, o.name, setOf(o.perms))
	case opUpdateRole:
		_, r.err = member.UpdateRole(ctx, s, org, actor, o.role, o.name, setOf(o.perms))
	case opDeleteRole:
		r.err = member.DeleteRole(ctx, s, org, actor, o.role)
	case opIssueKey:
		var k store.Key
		var secret string
		k, secret, r.err = member.IssueKeyWith(ctx, s, org, actor, target, member.KeySpec{Name: o.name, Perms: setOf(o.perms), TTL: o.ttl})
		if r.err == nil {
			d.mu.Lock()
			d.nameID(k.ID, "K", len(d.keys))
			d.keys = append(d.keys, k.ID)
			d.keyOrgs = append(d.keyOrgs, o.org)
			d.keyMember = append(d.keyMember, d.order[k.Member])
			d.secrets = append(d.secrets, secret)
			d.mu.Unlock()
		}
	case opRevokeKey:
		key := uuid.Nil
		if o.key >= 0 {
			d.mu.Lock()
			key = d.keys[o.key]
			d.mu.Unlock()
		}
		r.err = member.RevokeKey(ctx, s, org, actor, key)
	case opAuthenticate:
		r.m, _, r.err = member.Authenticate(ctx, s, d.secret(o.key))
	case opSend:
		var inv store.Invitation
		var tok string
		inv, tok, r.err = invite.Send(ctx, s, org, actor, invite.NewInvitation{Email: emailVariant(o.user, o.email),
			Role: o.role, Allow: setOf(o.allow), Deny: setOf(o.deny), Scopes: scopesOf(o.scopes),
			Profile: d.profile(o.profile), TTL: o.ttl})
		if r.err == nil {
			d.addInv(inv, tok, o.org)
		}
	case opResend:
		var tok string
		_, tok, r.err = invite.Resend(ctx, s, org, actor, d.invID(o.inv))
		if r.err == nil {
			d.mu.Lock()
			d.addToken(o.inv, tok)
			d.mu.Unlock()
		}
	case opCancel:
		r.err = invite.Cancel(ctx, s, org, actor, d.invID(o.inv))
	case opCopyLink:
		r.link, r.err = invite.CopyLink(ctx, s, org, actor, d.invID(o.inv), "https://app.example.com/join")
	case opAccept:
		var a invite.Accepted
		a, r.err = invite.Accept(ctx, s, d.token(o.inv, o.gen), newUser())
		r.m = a.Member
		if r.err == nil {
			d.addMember(r.m.ID, d.invOrg(o.inv))
			// What Accept returns beside the member: its organisation
			// and the invitation it closed (the model checks the member).
			if a.Org.ID != r.m.Org || a.Invitation.ID != d.invID(o.inv) || a.Invitation.Status != store.Accepted || a.Invitation.Joined != r.m.ID {
				r.err = fmt.Errorf("storetest: Accept returned org %v, invitation %v %v joined %v, for member %v of %v",
					a.Org.ID, a.Invitation.ID, a.Invitation.Status, a.Invitation.Joined, r.m.ID, r.m.Org)
			}
		}
	case opDecline:
		r.err = invite.Decline(ctx, s, d.token(o.inv, o.gen), newUser())
	case opRequest:
		var req store.Request
		req, r.err = invite.RequestAccess(ctx, s, org, newUser(), setOf(o.perms), "please", o.code)
		if r.err == nil {
			d.mu.Lock()
			d.nameID(req.ID, "R", len(d.reqs))
			d.reqs = append(d.reqs, req.ID)
			d.reqOrgs = append(d.reqOrgs, o.org)
			d.reqUsers = append(d.reqUsers, o.user)
			d.reqPerm = append(d.reqPerm, o.perms)
			d.mu.Unlock()
		}
	case opApprove:
		r.m, r.err = invite.Approve(ctx, s, org, actor, d.reqID(o.req), setOf(o.perms))
		if r.err == nil {
			d.addMember(r.m.ID, o.org)
		}
	case opRefuse:
		r.err = invite.Refuse(ctx, s, org, actor, d.reqID(o.req))
	case opWithdraw:
		r.err = invite.Withdraw(ctx, s, org, userID(o.user), d.reqID(o.req))
	case opSetCode:
		r.err = invite.SetCode(ctx, s, org, actor, o.code)
	case opInvitePartner:
		var inv store.Invitation
		var tok string
		inv, tok, r.err = invite.InvitePartner(ctx, s, org, actor, invite.NewPartner{Email: emailVariant(o.user, o.email),
			Level: o.role, Scopes: scopesOf(o.scopes), TTL: o.ttl})
		if r.err == nil {
			d.addInv(inv, tok, o.org)
		}
	case opAcceptPartner:
		var ps store.Partnership
		ps, r.err = invite.AcceptPartner(ctx, s, d.token(o.inv, o.gen), org, actor)
		if r.err == nil {
			d.mu.Lock()
			d.nameID(ps.ID, "P", len(d.parts))
			d.parts = append(d.parts, ps.ID)
			d.partOrg = append(d.partOrg, [2]int{d.invOrgs[o.inv], o.org})
			d.mu.Unlock()
		}
	case opDeclinePartner:
		r.err = invite.DeclinePartner(ctx, s, d.token(o.inv, o.gen), org, actor)
	case opChangePartner:
		var c invite.PartnerChange
		level, scopes := o.role, scopesOf(o.scopes)
		switch o.change {
		case changeLevel:
			c.Level = &level
		case changeScopes:
			c.Scopes = &scopes
		case changeSuspend:
			c.Status = store.PartnerSuspended
		case changeResume:
			c.Status = store.PartnerActive
		default:
			c.Level, c.Status = &level, store.PartnerSuspended
		}
		_, r.err = invite.ChangePartner(ctx, s, org, actor, d.partID(o.part), c)
	case opRevokePartner:
		r.err = invite.RevokePartner(ctx, s, org, actor, d.partID(o.part))
	case opLeavePartner:
		r.err = invite.LeavePartner(ctx, s, org, actor, d.partID(o.part))
	case opAuditLog:
		var evs []store.Event
		evs, r.err = member.AuditLog(ctx, s, org, actor, 0, store.MaxPageSize)
		r.events = len(evs)
	default:
		panic(fmt.Sprintf("driver: unknown operation %v", o.kind))
	}
	return r
}

func (d *driver) invOrg(i int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.invOrgs[i]
}

// eventsOf returns the events a successful o writes, by its kind alone, and
// whether it may have changed nothing.
func (d *driver) eventsOf(o op) ([]orgEvent, bool) {
	one := func(org int, typ store.EventType) []orgEvent { return []orgEvent{{org, typ, -2, -2}} }
	two := func(a, b int, typ store.EventType) []orgEvent { return []orgEvent{{a, typ, -2, -2}, {b, typ, -2, -2}} }
	switch o.kind {
	case opTick, opAuthenticate, opCopyLink, opAuditLog, opExpireDue:
		return nil, false
	case opSetExpiry:
		return one(o.org, store.MemberExpiryChanged), true
	case opCreateOrg:
		d.mu.Lock()
		defer d.mu.Unlock()
		return one(len(d.orgs)-1, store.OrgCreated), false
	case opAccept:
		return one(d.invOrg(o.inv), store.InvitationAccepted), false
	case opDecline:
		return one(d.invOrg(o.inv), store.InvitationDeclined), false
	case opAcceptPartner:
		return two(d.invOrg(o.inv), o.org, store.PartnerAccepted), false
	case opDeclinePartner:
		return two(d.invOrg(o.inv), o.org, store.PartnerDeclined), false
	case opChangePartner, opRevokePartner, opLeavePartner:
		d.mu.Lock()
		po := d.partOrg[o.part]
		d.mu.Unlock()
		switch o.kind {
		case opRevokePartner:
			return two(po[0], po[1], store.PartnerRevoked), false
		case opLeavePartner:
			return two(po[0], po[1], store.PartnerLeft), false
		}
		typ := []store.EventType{store.PartnerLevelChanged, store.PartnerScopesChanged,
			store.PartnerSuspendedEvent, store.PartnerResumed}[o.change]
		return two(po[0], po[1], typ), true
	case opSetCode:
		if o.code == "" {
			return one(o.org, store.CodeCleared), true
		}
		return one(o.org, store.CodeSet), false
	}
	typ, noop := map[opKind]store.EventType{
		opRenameOrg: store.OrgRenamed, opSetSeats: store.OrgSeatsChanged, opDeleteOrg: store.OrgDeleted,
		opAddMember: store.MemberAdded, opChangeRole: store.MemberRoleChanged, opSetPerms: store.MemberPermsSet,
		opSetScopes: store.MemberScopesSet, opProfile: store.MemberProfileSet, opDeactivate: store.MemberDeactivated,
		opReactivate: store.MemberReactivated, opRemove: store.MemberRemoved, opLeave: store.MemberLeft,
		opTransfer: store.OwnerTransferred, opPropose: store.TransferProposed, opAcceptTransfer: store.OwnerTransferred,
		opCancelTransfer: store.TransferCancelled, opCreateRole: store.RoleCreated, opUpdateRole: store.RoleUpdated,
		opDeleteRole: store.RoleDeleted, opIssueKey: store.KeyIssued, opRevokeKey: store.KeyRevoked,
		opSend: store.InvitationSent, opResend: store.InvitationResent, opCancel: store.InvitationCancelled,
		opRequest: store.RequestCreated, opApprove: store.RequestApproved, opRefuse: store.RequestRefused,
		opWithdraw: store.RequestWithdrawn, opInvitePartner: store.PartnerInvited,
	}[o.kind], map[opKind]bool{opRenameOrg: true, opSetSeats: true, opChangeRole: true, opSetPerms: true,
		opSetScopes: true, opProfile: true, opDeactivate: true, opReactivate: true, opPropose: true, opUpdateRole: true}[o.kind]
	return one(o.org, typ), noop
}

// newEvents reads the events written since the last call, checks that they
// are numbered on from the last one and belong to their organisation, and
// returns them per organisation, rendered with handles for IDs.
func (d *driver) newEvents() (map[int][]store.Event, map[int][]string, error) {
	d.mu.Lock()
	orgs := slices.Clone(d.orgs)
	d.mu.Unlock()
	evs, text := map[int][]store.Event{}, map[int][]string{}
	for oi, id := range orgs {
		got, err := d.s.Events(d.ctx, id, d.lastSeq[oi], store.MaxPageSize)
		if err != nil {
			return nil, nil, err
		}
		for i, e := range got {
			if want := d.lastSeq[oi] + int64(i) + 1; e.Seq != want || e.Org != id {
				return nil, nil, fmt.Errorf("O%d: event %d has seq %d and org %s, want seq %d", oi, i, e.Seq, d.idName(e.Org), want)
			}
			text[oi] = append(text[oi], d.eventText(e))
		}
		evs[oi] = got
		d.lastSeq[oi] += int64(len(got))
	}
	return evs, text, nil
}

func (d *driver) party(p store.Party) string {
	return fmt.Sprintf("{%s %s %q %s %s %s}", d.idName(p.Member), p.UserID, p.Name, p.Email, d.idName(p.Org), p.System)
}

func (d *driver) eventText(e store.Event) string {
	before, _ := json.Marshal(e.Before)
	after, _ := json.Marshal(e.After)
	return fmt.Sprintf("#%d %s at=%v actor=%s target=%s object=%s before=%s after=%s", e.Seq, e.Type,
		e.Time.Sub(d.origin), d.party(e.Actor), d.party(e.Target), d.idName(e.Object), before, after)
}

// mask turns a Set of the suite's permissions into a pmask; ok is false
// when it holds anything beyond them.
func mask(s access.Set) (pmask, bool) {
	return pmask(s[0]), s[0] < 1<<fixture.NumPerms && s[1]|s[2]|s[3] == 0
}

// canLine renders what Can and CanIn answer for every permission (and one
// undeclared) in every probe scope.
func canLine(h int, can func(access.Permission, ...string) bool) string {
	var plain pmask
	in := make([]pmask, len(scopeProbes))
	for p := access.Permission(0); p <= fixture.NumPerms; p++ {
		if can(p) {
			plain |= 1 << p
		}
		for i, sc := range scopeProbes {
			if can(p, sc) {
				in[i] |= 1 << p
			}
		}
	}
	return fmt.Sprintf("  can M%d %#x in=%#x\n", h, plain, in)
}

// modelCan is what the model says Can and CanIn answer for x.
func (m *model) canLine(x *mMember) string {
	eff := m.eff(x)
	return canLine(x.h, func(p access.Permission, scopes ...string) bool {
		if eff&pbit(p) == 0 {
			return false
		}
		if len(scopes) == 0 && x.scopes != 0 && !isOwner(x) {
			return false // a scope-limited member's Can fails closed
		}
		for _, sc := range scopes {
			if !isOwner(x) && !scopeAllows(x.scopes, sc) {
				return false
			}
		}
		return true
	})
}

// render describes the store's state in the model's form (model.render),
// read through the public read API, and checks the invariants that hold
// whatever happened: one active owner per live organisation, no
// permission beyond the policy's, seats within the limit, one pending
// invitation per kind and e-mail.
func (d *driver) render(p *access.Policy) (string, error) {
	ctx, s := d.ctx, d.s
	now := d.clock.Now()
	d.mu.Lock()
	orgs := slices.Clone(d.orgs)
	d.mu.Unlock()
	var b strings.Builder
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	type line struct {
		key  int
		text string
	}
	sorted := func(ls []line) {
		slices.SortStableFunc(ls, func(a, b line) int { return a.key - b.key })
		for _, l := range ls {
			b.WriteString(l.text)
		}
	}
	key := func(id store.ID) int {
		d.mu.Lock()
		defer d.mu.Unlock()
		if k, ok := d.order[id]; ok {
			return k
		}
		return 1 << 30
	}
	all, _ := mask(p.All())
	for oi, id := range orgs {
		o, err := s.Org(ctx, id)
		live := err == nil
		switch {
		case errors.Is(err, store.ErrNotFound):
			fmt.Fprintf(&b, "org O%d gone\n", oi)
		case err != nil:
			return "", err
		default:
			fmt.Fprintf(&b, "org O%d name=%q seats=%d pending=%s\n", oi, o.Name, o.SeatLimit, d.idName(o.PendingOwner))
		}
		ms, next, err := s.Members(ctx, id, store.Filter{}, store.Page{Limit: store.MaxPageSize})
		if err != nil || next != "" {
			return "", fmt.Errorf("members of O%d: %v (next %q)", oi, err, next)
		}
		owners, staff := 0, 0
		var lines []line
		for _, m := range ms {
			g := m.Grant()
			allow, ok1 := mask(m.Allow)
			deny, ok2 := mask(m.Deny)
			held, ok3 := mask(g.Held())
			eff, ok4 := mask(effective(g))
			if !ok1 || !ok2 || !ok3 || !ok4 || held&^all != 0 || eff&^held != 0 {
				bad("O%d: member %s holds permissions beyond the policy: allow %v deny %v held %v eff %v",
					oi, d.idName(m.ID), m.Allow, m.Deny, g.Held(), effective(g))
			}
			if m.IsOwner() {
				owners++
				if m.Status != store.Active || m.Kind != store.Staff {
					bad("O%d: the owner %s is %v %v", oi, d.idName(m.ID), m.Status, m.Kind)
				}
			}
			if m.Kind == store.Staff {
				staff++
			}
			hk := key(m.ID)
			text := memberLine(hk, m.UserID, m.Email, m.Name, m.Role, allow, deny, m.Scopes.Strings(),
				m.Status == store.Active, m.Kind == store.External, m.Profile.Map(), held, eff)
			text += endLine(m.Until, m.EndRecorded, d.origin)
			if d.idName(m.ID)[0] == '?' {
				text = " unknown " + text
			}
			text += canLine(hk, m.CanIn)
			// Explain's answer agrees with Can and CanIn
			// (access.Grant.Explain), in one probe scope a permission.
			for p := access.Permission(0); p <= fixture.NumPerms; p++ {
				sc := scopeProbes[int(p)%len(scopeProbes)]
				if e := m.Explain(p); e.Allowed != m.Can(p) {
					bad("O%d: member %s: Explain(%v) says %q, Can %v", oi, d.idName(m.ID), p, e, m.Can(p))
				}
				if e := m.Explain(p, sc); e.Allowed != m.CanIn(p, sc) {
					bad("O%d: member %s: Explain(%v, %s) says %q, CanIn %v", oi, d.idName(m.ID), p, sc, e, m.CanIn(p, sc))
				}
			}
			keys, err := readAll(2, func(p store.Page) ([]store.Key, string, error) { return s.Keys(ctx, id, m.ID, p) })
			if err != nil {
				return "", err
			}
			var kl []line
			for _, k := range keys {
				km, _ := mask(k.Perms)
				kl = append(kl, line{key(k.ID), fmt.Sprintf("  key %s %q perms=%#x expires=%v\n", d.idName(k.ID), k.Name, km, k.Expires.Sub(d.origin))})
			}
			slices.SortStableFunc(kl, func(a, b line) int { return a.key - b.key })
			for _, l := range kl {
				text += l.text
			}
			lines = append(lines, line{hk, text})
		}
		sorted(lines)
		if live && owners != 1 {
			bad("O%d has %d owners", oi, owners)
		}
		roles, err := readAll(2, func(p store.Page) ([]store.Role, string, error) { return s.Roles(ctx, id, p) })
		if err != nil {
			return "", err
		}
		for _, r := range roles {
			perms, _ := mask(r.Perms)
			fmt.Fprintf(&b, " role %s %q %#x\n", r.Name, r.Label, perms)
		}
		invs, next, err := s.Invitations(ctx, id, store.InvitationFilter{}, store.Page{Limit: store.MaxPageSize})
		if err != nil || next != "" {
			return "", fmt.Errorf("invitations of O%d: %v (next %q)", oi, err, next)
		}
		lines = lines[:0]
		pending := map[string]bool{}
		open := 0
		for _, inv := range invs {
			if inv.Status == store.Pending {
				k := inv.Kind.String() + " " + inv.Email
				if pending[k] {
					bad("O%d: two pending invitations for %s", oi, k)
				}
				pending[k] = true
				if inv.Kind == store.ForMember && now.Before(inv.Expires) {
					open++
				}
			}
			allow, _ := mask(inv.Allow)
			deny, _ := mask(inv.Deny)
			d.mu.Lock()
			tok, ok := d.hashes[inv.TokenHash]
			d.mu.Unlock()
			if !ok {
				tok = "?"
			}
			lines = append(lines, line{key(inv.ID), invLine(key(inv.ID), inv.Kind == store.ForPartner, inv.Email, inv.Role,
				allow, deny, inv.Scopes.Strings(), inv.Profile.Map(), inv.Status, inv.Expires.Sub(d.origin), inv.Resends,
				tok, d.idName(inv.Joined))})
		}
		sorted(lines)
		if live && o.SeatLimit > 0 && staff+open > o.SeatLimit {
			bad("O%d: %d staff and %d open invitations exceed the %d seats", oi, staff, open, o.SeatLimit)
		}
		if live {
			// The seats the store keeps (a counter on sqlstore) are a
			// recount of what it lists.
			var seats int
			if err := s.Update(ctx, id, func(tx store.Tx) (err error) { seats, err = tx.Seats(ctx); return err }); err != nil {
				return "", fmt.Errorf("seats of O%d: %w", oi, err)
			}
			if seats != staff+open {
				bad("O%d: Seats says %d, the recount %d staff and %d open invitations", oi, seats, staff, open)
			}
		}
		reqs, next, err := s.Requests(ctx, id, 0, store.Page{Limit: store.MaxPageSize})
		if err != nil || next != "" {
			return "", fmt.Errorf("requests of O%d: %v (next %q)", oi, err, next)
		}
		lines = lines[:0]
		for _, r := range reqs {
			perms, _ := mask(r.Perms)
			granted, _ := mask(r.Granted)
			lines = append(lines, line{key(r.ID), fmt.Sprintf(" req %s %s %s %q %#x %#x %s %v\n", d.idName(r.ID), r.UserID,
				r.Email, r.Name, perms, granted, d.idName(r.Member), r.Status)})
		}
		sorted(lines)
		parts, err := readAll(2, func(p store.Page) ([]store.Partnership, string, error) { return s.Partnerships(ctx, id, p) })
		if err != nil {
			return "", err
		}
		lines = lines[:0]
		for _, ps := range parts {
			lines = append(lines, line{key(ps.ID), fmt.Sprintf(" part %s %s>%s %s %v %v\n", d.idName(ps.ID), d.idName(ps.Org),
				d.idName(ps.Partner), ps.Level, ps.Scopes.Strings(), ps.Status == store.PartnerActive)})
		}
		sorted(lines)
		fmt.Fprintf(&b, " events %d\n", d.lastSeq[oi])
	}
	if len(problems) > 0 {
		return b.String(), fmt.Errorf("invariant broken:\n%s", strings.Join(problems, "\n"))
	}
	return b.String(), nil
}

// The model as the generator's view.

func (m *model) numOrgs() int { return len(m.orgs) }
func (m *model) liveOrgs() []int {
	var out []int
	for i, o := range m.orgs {
		if o.live {
			out = append(out, i)
		}
	}
	return out
}
func (m *model) numMembers() int { return len(m.members) }
func (m *model) orgMembers(org int) []int {
	var out []int
	for _, x := range m.members {
		if x.live && x.org == org {
			out = append(out, x.h)
		}
	}
	return out
}
func (m *model) orgOwner(org int) int {
	if x := m.owner(org); x != nil {
		return x.h
	}
	return -1
}
func (m *model) orgPending(org int) int { return m.orgs[org].pending }
func (m *model) numKeys() int           { return len(m.keys) }
func (m *model) keyOrg(k int) int       { return m.keys[k].org }
func (m *model) numInvs() int           { return len(m.invs) }
func (m *model) invOrg(i int) int       { return m.invs[i].org }
func (m *model) invGens(i int) int      { return m.invs[i].gens }
func (m *model) invPartner(i int) bool  { return m.invs[i].partner }
func (m *model) invitee(i, org int) int {
	if x := m.byEmail(org, m.invs[i].email); x != nil {
		return x.h
	}
	return -1
}
func (m *model) numReqs() int              { return len(m.reqs) }
func (m *model) reqOrg(r int) int          { return m.reqs[r].org }
func (m *model) reqUser(r int) int         { return m.reqs[r].user }
func (m *model) reqPerms(r int) pmask      { return m.reqs[r].perms }
func (m *model) numParts() int             { return len(m.parts) }
func (m *model) partOrgs(p int) (int, int) { return m.parts[p].org, m.parts[p].partner }

// The driver as the concurrent generator's view: every handle it recorded,
// whether or not it still exists.

func (d *driver) numOrgs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.orgs)
}
func (d *driver) liveOrgs() []int {
	n := d.numOrgs()
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
func (d *driver) numMembers() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.members)
}
func (d *driver) orgMembers(org int) []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int
	for h, o := range d.memOrg {
		if o == org {
			out = append(out, h)
		}
	}
	return out
}
func (d *driver) orgOwner(org int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.owners, org, -1)
}
func (d *driver) orgPending(org int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return at(d.pending, org, -1)
}
func (d *driver) numKeys() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.keys)
}
func (d *driver) keyOrg(k int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.keyOrgs[k]
}
func (d *driver) numInvs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.invs)
}
func (d *driver) invGens(i int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.tokens[i])
}

// invitee is unknown to the concurrent generator, which draws at random.
func (d *driver) invitee(i, org int) int { return -1 }

func (d *driver) invPartner(i int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.invPart[i]
}
func (d *driver) numReqs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.reqs)
}
func (d *driver) reqOrg(r int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reqOrgs[r]
}
func (d *driver) reqUser(r int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reqUsers[r]
}
func (d *driver) reqPerms(r int) pmask {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reqPerm[r]
}
func (d *driver) numParts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.parts)
}
func (d *driver) partOrgs(p int) (int, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.partOrg[p][0], d.partOrg[p][1]
}

// heldOf computes, from a member's stored record and its organisation's
// custom roles, what it must hold: the check of the concurrent machine,
// which has no model.
func heldOf(m *store.Member, roles map[string]pmask) pmask {
	if m.Kind == store.Staff && m.Role == ownerRole {
		return allPerms
	}
	allow, _ := mask(m.Allow)
	deny, _ := mask(m.Deny)
	var rp pmask
	if m.Kind == store.Staff {
		if p, ok := modelRoles[m.Role]; ok {
			rp = p
		} else {
			rp = roles[m.Role]
		}
	}
	return (rp | allow) &^ deny & allPerms
}

// readAll reads every page of a list, size items at a time.
func readAll[T any](size int, list func(store.Page) ([]T, string, error)) ([]T, error) {
	var all []T
	for p := (store.Page{Limit: size}); ; {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		if len(items) > size || next != "" && len(items) != size {
			return nil, fmt.Errorf("a page of %d holds %d items (next %q)", size, len(items), next)
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		p.After = next
	}
}

// currentOwner returns the owner of org as the store has it now, or the nil
// ID for a deleted organisation.
func (d *driver) currentOwner(org store.ID) (store.ID, error) {
	for p := (store.Page{Limit: store.MaxPageSize}); ; {
		ms, next, err := d.s.Members(d.ctx, org, store.Filter{Kind: store.Staff}, p)
		if err != nil {
			return store.ID{}, err
		}
		for _, m := range ms {
			if m.IsOwner() {
				return m.ID, nil
			}
		}
		if next == "" {
			return store.ID{}, nil
		}
		p.After = next
	}
}

// reads renders each user's organisations (UserOrgs), and each
// organisation's pending list (invite.ListPending) and members by filter,
// each read a page of two at a time.
func (d *driver) reads() ([]string, error) {
	ctx, s := d.ctx, d.s
	var out []string
	for u := range numUsers {
		ms, err := readAll(2, func(p store.Page) ([]store.Membership, string, error) { return s.UserOrgs(ctx, userID(u), p) })
		if err != nil {
			return nil, err
		}
		var orgs []string
		for _, m := range ms {
			if m.Org.ID != m.Member.Org {
				return nil, fmt.Errorf("storetest: UserOrgs lists member %v of %v with organisation %v", m.Member.ID, m.Member.Org, m.Org.ID)
			}
			orgs = append(orgs, d.idName(m.Org.ID)+":"+d.idName(m.Member.ID))
		}
		out = append(out, fmt.Sprintf("%s in %v", userID(u), orgs))
	}
	d.mu.Lock()
	ids := slices.Clone(d.orgs)
	d.mu.Unlock()
	for oi, id := range ids {
		// The pending list as the owner reads it: member and partner
		// invitations. A deleted organisation has no owner, and lists
		// nothing.
		owner, err := d.currentOwner(id)
		if err != nil {
			return nil, err
		}
		var pending []string
		for p := (store.Page{Limit: 2}); owner != (store.ID{}); {
			invs, next, err := invite.ListPending(ctx, s, id, owner, p)
			if err != nil {
				return nil, err
			}
			for _, inv := range invs {
				pending = append(pending, fmt.Sprintf("%s expired=%v", d.idName(inv.ID), inv.Expired))
			}
			if next == "" {
				break
			}
			p.After = next
		}
		list := func(f store.Filter) ([]string, error) {
			var names []string
			for p := (store.Page{Limit: 2}); ; {
				ms, next, err := s.Members(ctx, id, f, p)
				if err != nil {
					return nil, err
				}
				for _, m := range ms {
					names = append(names, d.idName(m.ID))
				}
				if next == "" {
					return names, nil
				}
				p.After = next
			}
		}
		inactive, err := list(store.Filter{Status: store.Inactive})
		if err != nil {
			return nil, err
		}
		external, err := list(store.Filter{Kind: store.External})
		if err != nil {
			return nil, err
		}
		editors, err := list(store.Filter{Role: "editor"})
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("O%d pending %v inactive %v external %v editors %v", oi, pending, inactive, external, editors))
	}
	return out, nil
}

// rereadOwners reads each organisation's owner and proposed owner again,
// after an operation across organisations that may have changed them.
func (d *driver) rereadOwners() {
	d.mu.Lock()
	orgs := slices.Clone(d.orgs)
	d.mu.Unlock()
	for i, id := range orgs {
		o, err := d.s.Org(d.ctx, id)
		if err != nil {
			continue
		}
		owners, _, err := d.s.Members(d.ctx, id, store.Filter{Role: ownerRole}, store.Page{})
		d.mu.Lock()
		if err == nil && len(owners) == 1 {
			d.owners[i] = d.order[owners[0].ID]
		}
		d.pending[i] = -1
		if h, ok := d.order[o.PendingOwner]; ok && o.PendingOwner != uuid.Nil {
			d.pending[i] = h
		}
		d.mu.Unlock()
	}
}

// traces checks that user appears in no event, invitation or request of a
// live organisation, and returns every organisation's audit log, as
// eventText renders it.
func (d *driver) traces(user string) (string, error) {
	d.mu.Lock()
	orgs := slices.Clone(d.orgs)
	d.mu.Unlock()
	var b strings.Builder
	for oi, id := range orgs {
		evs, err := rule.All(func(p store.Page) ([]store.Event, string, error) {
			after := int64(0)
			if p.After != "" {
				after, _ = strconv.ParseInt(p.After, 10, 64)
			}
			evs, err := d.s.Events(d.ctx, id, after, store.MaxPageSize)
			if err != nil || len(evs) == 0 {
				return evs, "", err
			}
			return evs, strconv.FormatInt(evs[len(evs)-1].Seq, 10), nil
		})
		if err != nil {
			return "", err
		}
		_, live := d.s.Org(d.ctx, id)
		for _, e := range evs {
			fmt.Fprintf(&b, "O%d %s\n", oi, d.eventText(e))
			if live == nil && (e.Actor.UserID == user || e.Target.UserID == user) {
				return "", fmt.Errorf("O%d: event %d still names %s", oi, e.Seq, user)
			}
		}
		if live != nil {
			continue
		}
		invs, err := rule.All(func(p store.Page) ([]store.Invitation, string, error) {
			return d.s.Invitations(d.ctx, id, store.InvitationFilter{}, p)
		})
		if err != nil {
			return "", err
		}
		for _, inv := range invs {
			if inv.InvitedBy.UserID == user {
				return "", fmt.Errorf("O%d: invitation %s still names %s", oi, d.idName(inv.ID), user)
			}
		}
		reqs, err := rule.All(func(p store.Page) ([]store.Request, string, error) { return d.s.Requests(d.ctx, id, 0, p) })
		if err != nil {
			return "", err
		}
		for _, r := range reqs {
			if r.UserID == user || r.DecidedBy.UserID == user {
				return "", fmt.Errorf("O%d: request %s still names %s", oi, d.idName(r.ID), user)
			}
		}
	}
	return b.String(), nil
}
