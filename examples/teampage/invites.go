package main

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// The invite wizard's steps (seed 004): who, access, scope, review.
var wizardSteps = []struct{ Key, Label string }{
	{"who", "Who"}, {"access", "Access"}, {"scope", "Scope"}, {"review", "Review"},
}

// wizardState is what the wizard has collected; each step's form carries
// the others' answers as hidden fields, so the wizard needs no session and
// no script.
type wizardState struct {
	Step      string
	Email     string
	Role      string
	Levels    map[string]string
	LevelsFor string // the role the levels were defaulted from
	Scopes    []string
}

type wizardView struct {
	State   wizardState
	Steps   []stepRow
	Roles   []access.Role
	Modules []moduleRow
	Dims    []dimRow
	Sent    *store.Invitation
	Link    string
}

type stepRow struct {
	Key, Label      string
	N               int
	Current, Passed bool
}

func stateOf(form map[string][]string) wizardState {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	st := wizardState{Step: get("step"), Email: get("email"), Role: get("role"), LevelsFor: get("levels_for"),
		Scopes: form["scope"], Levels: map[string]string{}}
	for _, m := range modules {
		st.Levels[m.Key] = get(m.Key)
	}
	if st.Step == "" {
		st.Step = "who"
	}
	return st
}

// GET /orgs/{org}/invite: the wizard's first step.
func (s *server) wizardPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showWizard(w, r, c, wizardState{Step: "who", Role: "viewer", Levels: map[string]string{}}, nil, nil, "")
}

func (s *server) showWizard(w http.ResponseWriter, r *http.Request, c *reqCtx, st wizardState, rf *refusal, sent *store.Invitation, link string) {
	if !c.Me.CanDo(access.Invite) {
		s.render(w, r, c, "message", &view{Title: "Invite", Refusal: forbidden(&c.Me, access.Invite)}, nil)
		return
	}
	wv := &wizardView{State: st, Roles: grantable(&c.Me), Sent: sent, Link: link}
	cur := len(wizardSteps) // sent: every step passed
	for i, step := range wizardSteps {
		if step.Key == st.Step {
			cur = i
		}
	}
	for i, step := range wizardSteps {
		wv.Steps = append(wv.Steps, stepRow{step.Key, step.Label, i + 1, i == cur, i < cur})
	}
	for _, m := range modules {
		wv.Modules = append(wv.Modules, moduleRow{m, st.Levels[m.Key]})
	}
	sc, _ := access.NewScopes(st.Scopes...)
	wv.Dims = dimsOf(sc)
	v := &view{Title: "Invite a team member", Tab: "invite", Refusal: rf}
	v.Seats, _ = s.seatsOf(r.Context(), c.Org)
	s.render(w, r, c, "invite", v, wv)
}

// POST /orgs/{org}/invite step=…&go=next|back|send: one step of the wizard.
func (s *server) wizard(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	st := stateOf(r.PostForm)
	back := r.PostForm.Get("go") == "back"
	moveTo := func(step string) { st.Step = step; s.showWizard(w, r, c, st, nil, nil, "") }
	stay := func(rf *refusal) { s.showWizard(w, r, c, st, rf, nil, "") }
	switch st.Step {
	case "who":
		email, err := member.NormalizeEmail(st.Email)
		if err != nil {
			stay(invalid("Enter the e-mail address of the person to invite."))
			return
		}
		st.Email = email
		rl, ok := policy.Role(st.Role)
		if !ok {
			stay(invalid("Choose one of the roles offered."))
			return
		}
		if rl.Owner {
			stay(refuse(member.ErrOwnerProtected))
			return
		}
		if !c.Me.IsOwner() && !rl.Perms.SubsetOf(c.Me.Grant().Held()) {
			stay(refuse(member.ErrEscalation))
			return
		}
		// Ask now, not at the end: already a member? invited already?
		if _, err := s.db.MemberByEmail(r.Context(), c.Org.ID, email); err == nil {
			stay(refuse(store.ErrAlreadyMember))
			return
		}
		if _, err := s.db.PendingInvitation(r.Context(), c.Org.ID, store.ForMember, email); err == nil {
			stay(refuse(store.ErrAlreadyInvited))
			return
		}
		if st.LevelsFor != st.Role {
			for _, m := range modules {
				st.Levels[m.Key] = levelOf(rl.Perms, m)
			}
			st.LevelsFor = st.Role
		}
		moveTo("access")
	case "access":
		if back {
			moveTo("who")
			return
		}
		if _, rf := levelsOf(map[string][]string{"products": {st.Levels["products"]}, "assets": {st.Levels["assets"]}, "links": {st.Levels["links"]}}); rf != nil {
			stay(rf)
			return
		}
		moveTo("scope")
	case "scope":
		if back {
			moveTo("access")
			return
		}
		if _, rf := scopesOf(st.Scopes); rf != nil {
			stay(rf)
			return
		}
		moveTo("review")
	case "review":
		if back {
			moveTo("scope")
			return
		}
		levels, rf := levelsOf(map[string][]string{"products": {st.Levels["products"]}, "assets": {st.Levels["assets"]}, "links": {st.Levels["links"]}})
		if rf != nil {
			stay(rf)
			return
		}
		sc, rf := scopesOf(st.Scopes)
		if rf != nil {
			stay(rf)
			return
		}
		allow, deny := allowDeny(st.Role, access.Set{}, access.Set{}, moduleSet(levels))
		inv, token, err := invite.Send(r.Context(), s.db, c.Org.ID, c.Me.ID, invite.NewInvitation{
			Email: st.Email, Role: st.Role, Allow: allow, Deny: deny, Scopes: sc})
		if err != nil {
			stay(refusalOf(err, &c.Me, access.Invite))
			return
		}
		link, err := invite.Link(joinBase(r, "/join"), token)
		if err != nil {
			stay(refuse(err))
			return
		}
		st.Step = "sent"
		s.showWizard(w, r, c, st, nil, &inv, link)
	default:
		s.showWizard(w, r, c, wizardState{Step: "who", Levels: map[string]string{}}, invalid("The wizard lost its place; start again."), nil, "")
	}
}

// joinBase is the absolute URL of a page of this server, as the request
// reached it: the base of invitation links.
func joinBase(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

type pendingView struct {
	Rows   []pendingRow
	Next   string
	LinkTo store.ID // the invitation whose link is shown
	Link   string
}

type pendingRow struct {
	invite.PendingInvitation
	ExpiresIn string
}

// GET /orgs/{org}/invitations: the pending list (seed 003: e-mail, role,
// sent, expiry status; seed 004: copy the link again).
func (s *server) pending(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showPending(w, r, c, nil, store.ID{}, "")
}

func (s *server) showPending(w http.ResponseWriter, r *http.Request, c *reqCtx, rf *refusal, linkTo store.ID, link string) {
	if !c.Me.CanDo(access.Invite) {
		s.render(w, r, c, "message", &view{Title: "Pending invitations", Refusal: forbidden(&c.Me, access.Invite)}, nil)
		return
	}
	v := &view{Title: "Pending invitations", Tab: "pending", Refusal: rf}
	pv := &pendingView{LinkTo: linkTo, Link: link}
	list, next, err := invite.ListPending(r.Context(), s.db, c.Org.ID, c.Me.ID, store.Page{After: r.URL.Query().Get("after")})
	if err != nil && v.Refusal == nil {
		v.Refusal = refuse(err)
	}
	pv.Next = next
	now := time.Now()
	for _, p := range list {
		if p.Kind != store.ForMember {
			continue
		}
		pv.Rows = append(pv.Rows, pendingRow{p, expiresIn(now, p.Expires)})
	}
	v.Seats, _ = s.seatsOf(r.Context(), c.Org)
	s.render(w, r, c, "pending", v, pv)
}

// expiresIn says, for people, how long an invitation has left.
func expiresIn(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "Expired"
	case d < time.Hour:
		return "Expires within the hour"
	case d < 48*time.Hour:
		return "Expires in " + itoa(int(d.Hours())) + " hours"
	}
	return "Expires in " + itoa(int(math.Ceil(d.Hours()/24))) + " days"
}

// POST /orgs/{org}/invitations/{id}/resend
func (s *server) resend(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if _, _, err := invite.Resend(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showPending(w, r, c, refusalOf(err, &c.Me, access.Invite), store.ID{}, "")
		return
	}
	done(w, r, c.href("invitations"), "resent")
}

// POST /orgs/{org}/invitations/{id}/cancel
func (s *server) cancel(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if err := invite.Cancel(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showPending(w, r, c, refusalOf(err, &c.Me, access.Invite), store.ID{}, "")
		return
	}
	done(w, r, c.href("invitations"), "cancelled")
}

// POST /orgs/{org}/invitations/{id}/link: the link again, shown in the row.
func (s *server) copyLink(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	link, err := invite.CopyLink(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), joinBase(r, "/join"))
	if err != nil {
		rf := refusalOf(err, &c.Me, access.Invite)
		if errors.Is(err, invite.ErrExpired) {
			rf.Reason = "Resend it to make a new link, valid for 7 days."
		}
		s.showPending(w, r, c, rf, store.ID{}, "")
		return
	}
	s.showPending(w, r, c, nil, pathID(r), link)
}
