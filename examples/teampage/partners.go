package main

import (
	"net/http"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

type partnersView struct {
	Rows    []partnerRow
	Pending []store.Invitation
	Levels  []access.Role
	Dims    []dimRow
	Email   string
	Level   string
	Sent    *store.Invitation
	Link    string
}

type partnerRow struct {
	PS   store.Partnership
	Name string // the partner organisation's
}

// GET /orgs/{org}/partners: the partner organisations (seed 004), their
// access level, assigned sets and status, and the invitations not yet
// accepted; with the form that invites one.
func (s *server) partners(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showPartners(w, r, c, nil, &partnersView{Level: "viewer"})
}

func (s *server) showPartners(w http.ResponseWriter, r *http.Request, c *reqCtx, rf *refusal, pv *partnersView) {
	if !c.Me.CanDo(access.ManagePartners) {
		s.render(w, r, c, "message", &view{Title: "Partners", Refusal: forbidden(&c.Me, access.ManagePartners)}, nil)
		return
	}
	v := &view{Title: "Partners", Tab: "partners", Refusal: rf}
	pss, _, err := s.db.Partnerships(r.Context(), c.Org.ID, store.Page{})
	if err != nil && v.Refusal == nil {
		v.Refusal = refuse(err)
	}
	for _, ps := range pss {
		if ps.Org != c.Org.ID {
			continue // a partnership another organisation grants this one
		}
		row := partnerRow{PS: ps, Name: "(deleted organisation)"}
		if o, err := s.db.Org(r.Context(), ps.Partner); err == nil {
			row.Name = o.Name
		}
		pv.Rows = append(pv.Rows, row)
	}
	pv.Pending, _, _ = s.db.Invitations(r.Context(), c.Org.ID, store.InvitationFilter{Status: store.Pending, Kind: store.ForPartner}, store.Page{})
	pv.Levels = grantable(&c.Me)
	if pv.Dims == nil {
		pv.Dims = dimsOf(access.Scopes{})[:2] // markets and sets
	}
	s.render(w, r, c, "partners", v, pv)
}

// POST /orgs/{org}/partners email=…&level=…&scope=…: invite a partner.
func (s *server) invitePartner(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	f := r.PostForm
	pv := &partnersView{Email: f.Get("email"), Level: f.Get("level")}
	sc, rf := scopesOf(f["scope"])
	pv.Dims = dimsOf(sc)[:2]
	if rf != nil {
		s.showPartners(w, r, c, rf, pv)
		return
	}
	email, err := member.NormalizeEmail(pv.Email)
	if err != nil {
		s.showPartners(w, r, c, invalid("Enter the e-mail address of the partner's contact."), pv)
		return
	}
	if rl, ok := policy.Role(pv.Level); !ok || rl.Owner {
		s.showPartners(w, r, c, invalid("Choose one of the access levels offered."), pv)
		return
	}
	inv, token, err := invite.InvitePartner(r.Context(), s.db, c.Org.ID, c.Me.ID, invite.NewPartner{Email: email, Level: pv.Level, Scopes: sc})
	if err != nil {
		s.showPartners(w, r, c, refusalOf(err, &c.Me, access.ManagePartners), pv)
		return
	}
	link, err := invite.Link(joinBase(r, "/partner-join"), token)
	if err != nil {
		s.showPartners(w, r, c, refuse(err), pv)
		return
	}
	s.showPartners(w, r, c, nil, &partnersView{Level: "viewer", Sent: &inv, Link: link})
}

type partnerView struct {
	PS     store.Partnership
	Name   string
	Levels []access.Role
	Dims   []dimRow
}

// GET /orgs/{org}/partners/{id}: one partnership, to change.
func (s *server) partnerPage(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showPartner(w, r, c, nil)
}

func (s *server) showPartner(w http.ResponseWriter, r *http.Request, c *reqCtx, rf *refusal) {
	if !c.Me.CanDo(access.ManagePartners) {
		s.render(w, r, c, "message", &view{Title: "Partner", Refusal: forbidden(&c.Me, access.ManagePartners)}, nil)
		return
	}
	ps, err := s.db.Partnership(r.Context(), c.Org.ID, pathID(r))
	if err == nil && ps.Org != c.Org.ID {
		err = store.ErrNotFound // received, not granted: the other side manages it
	}
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	pv := &partnerView{PS: ps, Name: "(deleted organisation)", Levels: grantable(&c.Me), Dims: dimsOf(ps.Scopes)[:2]}
	if o, err := s.db.Org(r.Context(), ps.Partner); err == nil {
		pv.Name = o.Name
	}
	s.render(w, r, c, "partner", &view{Title: pv.Name, Tab: "partners", Refusal: rf}, pv)
}

// POST /orgs/{org}/partners/{id} level=…&scope=…: the access level and the
// assigned markets and sets.
func (s *server) changePartner(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	level := r.PostForm.Get("level")
	if rl, ok := policy.Role(level); !ok || rl.Owner {
		s.showPartner(w, r, c, invalid("Choose one of the access levels offered."))
		return
	}
	sc, rf := scopesOf(r.PostForm["scope"])
	if rf != nil {
		s.showPartner(w, r, c, rf)
		return
	}
	s.partnerChange(w, r, c, invite.PartnerChange{Level: &level, Scopes: &sc}, "level")
}

func (s *server) suspendPartner(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.partnerChange(w, r, c, invite.PartnerChange{Status: store.PartnerSuspended}, "suspended")
}

func (s *server) resumePartner(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.partnerChange(w, r, c, invite.PartnerChange{Status: store.PartnerActive}, "resumed")
}

func (s *server) partnerChange(w http.ResponseWriter, r *http.Request, c *reqCtx, ch invite.PartnerChange, key string) {
	if _, err := invite.ChangePartner(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), ch); err != nil {
		s.showPartner(w, r, c, refusalOf(err, &c.Me, access.ManagePartners))
		return
	}
	done(w, r, c.href("partners", pathID(r).String()), key)
}

// POST /orgs/{org}/partners/{id}/revoke confirm=yes
func (s *server) revokePartner(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if r.PostForm.Get("confirm") != "yes" {
		s.showPartner(w, r, c, invalid("Tick “I understand” to revoke the partnership: it cannot be undone."))
		return
	}
	if err := invite.RevokePartner(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showPartner(w, r, c, refusalOf(err, &c.Me, access.ManagePartners))
		return
	}
	done(w, r, c.href("partners"), "revoked")
}

// POST /orgs/{org}/partner-invitations/{id}/cancel
func (s *server) cancelPartnerInvitation(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if err := invite.Cancel(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showPartners(w, r, c, refusalOf(err, &c.Me, access.ManagePartners), &partnersView{Level: "viewer"})
		return
	}
	done(w, r, c.href("partners"), "cancelled")
}
