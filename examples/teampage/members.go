package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type membersView struct {
	Members    []store.Member
	Roles      []access.Role
	Role       string
	Status     string
	Next       string
	After      string
	ProposedBy string // the owner who proposed the signed-in member as owner, if so
	CanInvite  bool
}

// GET /orgs/{org}/members?role=&status=&after=: the list, with a filter.
// Every member of the organisation may list it; an inactive member gets
// the refusal of its status.
func (s *server) members(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if c.Me.Status != store.Active {
		s.render(w, r, c, "message", &view{Title: "Members", Refusal: forbidden(&c.Me, access.ChangeRole)}, nil)
		return
	}
	q := r.URL.Query()
	mv := &membersView{Roles: policy.Roles(), Role: q.Get("role"), Status: q.Get("status"), After: q.Get("after"),
		CanInvite: c.Me.CanDo(access.Invite)}
	v := &view{Title: "Members", Tab: "members"}
	f := store.Filter{Role: mv.Role}
	if _, ok := policy.Role(mv.Role); mv.Role != "" && !ok {
		v.Refusal, f.Role, mv.Role = invalid("There is no role “%s”.", mv.Role), "", ""
	}
	switch mv.Status {
	case "active":
		f.Status = store.Active
	case "inactive":
		f.Status = store.Inactive
	case "":
	default:
		v.Refusal, mv.Status = invalid("There is no status “%s”.", mv.Status), ""
	}
	var err error
	if mv.Members, mv.Next, err = s.db.Members(r.Context(), c.Org.ID, f, store.Page{After: mv.After}); err != nil {
		v.Refusal = refuse(err)
	}
	if c.Org.PendingOwner == c.Me.ID {
		mv.ProposedBy = "The owner"
		if os, _, err := s.db.Members(r.Context(), c.Org.ID, store.Filter{Role: policy.Owner().Name}, store.Page{Limit: 1}); err == nil && len(os) == 1 {
			mv.ProposedBy = os[0].Name
		}
	}
	if v.Seats, err = s.seatsOf(r.Context(), c.Org); err != nil {
		v.Seats = nil
	}
	s.render(w, r, c, "members", v, mv)
}

type memberView struct {
	T        store.Member
	Self     bool
	Roles    []access.Role
	Modules  []moduleRow
	Dims     []dimRow
	Fields   []fieldRow
	Proposed bool // ownership is proposed to T

	CanRole, CanAccess, CanScopes, CanProfile, CanFields bool
	CanStatus, CanRemove, CanTransfer, CanCancelTransfer bool
}

type moduleRow struct {
	Module module
	Level  string // none, view or edit
}

type dimRow struct {
	Dim    scopeDim
	Values []checkRow
}

type checkRow struct {
	Value, Label string
	Checked      bool
}

type fieldRow struct {
	Key, Label, Value, Hint string
	Type                    string
}

// GET /orgs/{org}/members/{id}: one member, with what the signed-in member
// may change of it.
func (s *server) memberPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showMember(w, r, c, nil)
}

func (s *server) showMember(w http.ResponseWriter, r *http.Request, c *reqCtx, rf *refusal) {
	if c.Me.Status != store.Active {
		s.render(w, r, c, "message", &view{Title: "Member", Refusal: forbidden(&c.Me, access.ChangeRole)}, nil)
		return
	}
	t, err := s.db.Member(r.Context(), c.Org.ID, pathID(r))
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	if org, err := s.db.Org(r.Context(), c.Org.ID); err == nil {
		c.Org = org // a transfer may have just moved ownership
	}
	me := &c.Me
	reach := reaches(me, &t)
	mv := &memberView{T: t, Self: t.ID == me.ID, Proposed: c.Org.PendingOwner == t.ID,
		CanRole:   reach && me.CanDo(access.ChangeRole) && t.Kind == store.Staff,
		CanAccess: reach && me.CanDo(access.ChangeRole),
		CanScopes: reach && me.CanDo(access.ChangeRole),
		CanFields: (reach || t.ID == me.ID && !t.IsOwner() || me.IsOwner()) && me.CanDo(access.EditProfile),
		CanStatus: reach && me.CanDo(access.ChangeStatus),
		CanRemove: reach && me.CanDo(access.Remove),
	}
	mv.CanProfile = mv.CanFields || mv.Self
	mv.CanTransfer = me.IsOwner() && !mv.Self && t.Kind == store.Staff && t.Status == store.Active && !mv.Proposed
	mv.CanCancelTransfer = me.IsOwner() && mv.Proposed
	mv.Roles = grantable(me)
	held := t.Grant().Held()
	for _, m := range modules {
		mv.Modules = append(mv.Modules, moduleRow{m, levelOf(held, m)})
	}
	mv.Dims = dimsOf(t.Scopes)
	phone, _ := t.Profile.Get("phone")
	mv.Fields = []fieldRow{{Key: "phone", Label: "Phone", Value: phone, Type: "tel"}}
	if policy.FieldAllowed(t.Role, "commission_pct") {
		v, _ := t.Profile.Get("commission_pct")
		mv.Fields = append(mv.Fields, fieldRow{Key: "commission_pct", Label: "Commission (%)", Value: v,
			Hint: "The Sales Rep's commission, 0 to 100.", Type: "number"})
	}
	s.render(w, r, c, "member", &view{Title: t.Name, Tab: "members", Refusal: rf}, mv)
}

// reaches reports whether me may act on t at all: never on itself or the
// owner, and (rule 3) only on members who hold no more than it does, within
// its scopes. The page hides what does not reach; the rules decide.
func reaches(me, t *store.Member) bool {
	switch {
	case t.ID == me.ID || t.IsOwner():
		return false
	case me.IsOwner():
		return true
	case !t.Grant().Held().SubsetOf(me.Grant().Held()):
		return false
	case me.Scopes.IsZero():
		return true
	}
	return !t.Scopes.IsZero() && t.Scopes.SubsetOf(me.Scopes)
}

// grantable returns the roles me may give: never the owner's (only a
// transfer makes an owner), and only roles within what me holds.
func grantable(me *store.Member) []access.Role {
	var out []access.Role
	for _, r := range policy.Roles() {
		if !r.Owner && (me.IsOwner() || r.Perms.SubsetOf(me.Grant().Held())) {
			out = append(out, r)
		}
	}
	return out
}

// levelOf says what a permission set holds of a module.
func levelOf(held access.Set, m module) string {
	switch {
	case held.Has(m.Edit):
		return "edit"
	case held.Has(m.View):
		return "view"
	}
	return "none"
}

// moduleSet returns the module permissions that the levels give.
func moduleSet(levels map[string]string) access.Set {
	var s access.Set
	for _, m := range modules {
		switch levels[m.Key] {
		case "edit":
			s = s.With(m.View, m.Edit)
		case "view":
			s = s.With(m.View)
		}
	}
	return s
}

var modulePerms = moduleSet(map[string]string{"products": "edit", "assets": "edit", "links": "edit"})

// levelsOf reads the module levels of a form; an unknown level is refused.
func levelsOf(form map[string][]string) (map[string]string, *refusal) {
	out := map[string]string{}
	for _, m := range modules {
		v := ""
		if vs := form[m.Key]; len(vs) > 0 {
			v = vs[0]
		}
		switch v {
		case "none", "view", "edit":
			out[m.Key] = v
		default:
			return nil, invalid("Choose no access, view or edit for %s.", m.Label)
		}
	}
	return out, nil
}

// allowDeny returns what a member of role must be allowed and denied beyond
// the role's permissions to hold exactly want of the modules, keeping its
// other individual permissions (allow, deny).
func allowDeny(role string, allow, deny, want access.Set) (access.Set, access.Set) {
	rolePerms, _ := policy.RolePerms(role)
	allow = allow.Difference(modulePerms).Union(want.Difference(rolePerms))
	deny = deny.Difference(modulePerms).Union(rolePerms.Intersect(modulePerms).Difference(want))
	return allow, deny
}

// dimsOf returns the scope checkboxes, checked as sc says.
func dimsOf(sc access.Scopes) []dimRow {
	var out []dimRow
	for _, d := range scopeDims {
		row := dimRow{Dim: d}
		for _, v := range d.Values {
			row.Values = append(row.Values, checkRow{v.Scope, v.Label, hasScope(sc, v.Scope)})
		}
		out = append(out, row)
	}
	return out
}

func hasScope(sc access.Scopes, scope string) bool {
	return slices.Contains(sc.Strings(), scope)
}

// scopesOf reads the checked scopes of a form; one the page did not offer
// is refused.
func scopesOf(values []string) (access.Scopes, *refusal) {
	for _, v := range values {
		if scopeLabel(v) == v {
			return access.Scopes{}, invalid("There is no scope “%s”.", v)
		}
	}
	sc, err := access.NewScopes(values...)
	if err != nil {
		return access.Scopes{}, invalid("The scopes could not be read.")
	}
	return sc, nil
}

// POST /orgs/{org}/members/{id}/role role=…
func (s *server) changeRole(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	role := r.PostForm.Get("role")
	if rl, ok := policy.Role(role); !ok || rl.Owner {
		if ok {
			s.showMember(w, r, c, refuse(member.ErrOwnerProtected))
			return
		}
		s.showMember(w, r, c, invalid("Choose one of the roles offered."))
		return
	}
	if _, err := member.ChangeRole(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), role); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.ChangeRole))
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "role")
}

// POST /orgs/{org}/members/{id}/access products=…&assets=…&links=…
func (s *server) changeAccess(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	levels, rf := levelsOf(r.PostForm)
	if rf != nil {
		s.showMember(w, r, c, rf)
		return
	}
	t, err := s.db.Member(r.Context(), c.Org.ID, pathID(r))
	if err != nil {
		s.showMember(w, r, c, refuse(err))
		return
	}
	want := moduleSet(levels)
	allow, deny := allowDeny(t.Role, t.Allow, t.Deny, want)
	if t.Kind == store.External {
		allow, deny = t.Allow.Difference(modulePerms).Union(want), access.Set{}
	}
	if _, err := member.SetPermissions(r.Context(), s.db, c.Org.ID, c.Me.ID, t.ID, allow, deny); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.ChangeRole))
		return
	}
	done(w, r, c.href("members", t.ID.String()), "access")
}

// POST /orgs/{org}/members/{id}/scopes scope=…&scope=…
func (s *server) changeScopes(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	sc, rf := scopesOf(r.PostForm["scope"])
	if rf != nil {
		s.showMember(w, r, c, rf)
		return
	}
	if _, err := member.SetScopes(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), sc); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.ChangeRole))
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "scopes")
}

// POST /orgs/{org}/members/{id}/profile name=…&phone=…&commission_pct=…
func (s *server) changeProfile(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	f := r.PostForm
	name := strings.TrimSpace(f.Get("name"))
	if name == "" {
		s.showMember(w, r, c, invalid("Enter a name."))
		return
	}
	p := member.ProfilePatch{Name: &name, Set: map[string]string{}}
	for _, k := range []string{"phone", "commission_pct"} {
		if _, sent := f[k]; !sent {
			continue
		}
		v := strings.TrimSpace(f.Get(k))
		if k == "commission_pct" && v != "" {
			if n, err := strconv.ParseFloat(v, 64); err != nil || n < 0 || n > 100 {
				s.showMember(w, r, c, invalid("The commission is a percentage from 0 to 100."))
				return
			}
		}
		if v == "" {
			p.Unset = append(p.Unset, k)
		} else {
			p.Set[k] = v
		}
	}
	if _, err := member.PatchProfile(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), p); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.EditProfile))
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "profile")
}

// POST /orgs/{org}/members/{id}/deactivate
func (s *server) deactivate(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if _, err := member.Deactivate(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.ChangeStatus))
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "deactivated")
}

// POST /orgs/{org}/members/{id}/reactivate
func (s *server) reactivate(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if _, err := member.Reactivate(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.ChangeStatus))
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "reactivated")
}

// POST /orgs/{org}/members/{id}/remove confirm=yes
func (s *server) remove(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if r.PostForm.Get("confirm") != "yes" {
		s.showMember(w, r, c, invalid("Tick “I understand” to remove the member: it cannot be undone."))
		return
	}
	if err := member.Remove(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showMember(w, r, c, refusalOf(err, &c.Me, access.Remove))
		return
	}
	done(w, r, c.href("members"), "removed")
}

// POST /orgs/{org}/members/{id}/transfer: the owner proposes the member as
// the next owner; ownership moves when the member accepts.
func (s *server) proposeTransfer(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if err := member.ProposeTransfer(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		rf := refuse(err)
		if rf.Code == "forbidden" {
			rf.Reason = "Only the owner may hand over ownership."
		}
		s.showMember(w, r, c, rf)
		return
	}
	done(w, r, c.href("members", pathID(r).String()), "proposed")
}

// POST /orgs/{org}/transfer/accept: the proposed member accepts.
func (s *server) acceptTransfer(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if err := member.AcceptTransfer(r.Context(), s.db, c.Org.ID, c.Me.ID); err != nil {
		s.render(w, r, c, "message", &view{Title: "Ownership", Refusal: refuse(err)}, nil)
		return
	}
	done(w, r, c.href("members"), "transferred")
}

// POST /orgs/{org}/transfer/cancel: the owner withdraws the proposal.
func (s *server) cancelTransfer(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	to := c.Org.PendingOwner
	if err := member.CancelTransfer(r.Context(), s.db, c.Org.ID, c.Me.ID); err != nil {
		s.render(w, r, c, "message", &view{Title: "Ownership", Refusal: refuse(err)}, nil)
		return
	}
	if to == uuid.Nil {
		done(w, r, c.href("members"), "withdrawn")
		return
	}
	done(w, r, c.href("members", to.String()), "withdrawn")
}
