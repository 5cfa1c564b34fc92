package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// GET /: the signed-in user's organisations.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	user, _ := userOf(r)
	if user == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	// One read for the switcher: each membership comes with its
	// organisation.
	rows, _, err := s.db.UserOrgs(r.Context(), user, store.Page{})
	v := &view{Title: "Your organisations"}
	if err != nil {
		v.Refusal = refuse(err)
	}
	s.render(w, r, nil, "home", v, rows)
}

// GET /signin: the demo's sign-in form.
func (s *server) signinPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, "signin", &view{Title: "Sign in"}, map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

// POST /signin: sets the demo's session cookies. Demo only: a host signs
// its users in with its own authentication.
func (s *server) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	next := safeNext(r.PostForm.Get("next"))
	email, err := member.NormalizeEmail(r.PostForm.Get("email"))
	if err != nil {
		s.render(w, r, nil, "signin", &view{Title: "Sign in", Refusal: invalid("Enter a valid e-mail address.")},
			map[string]string{"Next": next, "Email": r.PostForm.Get("email")})
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		name = email[:strings.IndexByte(email, '@')]
	}
	setCookie(w, userCookie, email)
	setCookie(w, nameCookie, url.QueryEscape(name))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func setCookie(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// POST /signout
func (s *server) signout(w http.ResponseWriter, r *http.Request) {
	for _, n := range []string{userCookie, nameCookie} {
		http.SetCookie(w, &http.Cookie{Name: n, Path: "/", MaxAge: -1})
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// safeNext keeps a redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// joinView is the join page's: the invitation, shown by its token.
type joinView struct {
	Token   string
	Inv     store.Invitation
	OrgName string
	Expired bool
	Orgs    []store.Org // for a partnership: the user's organisations it may accept for
}

// GET /join?token=…: the invitation a link carries, before it is answered.
func (s *server) joinPage(w http.ResponseWriter, r *http.Request) {
	s.showJoin(w, r, "join", nil)
}

func (s *server) showJoin(w http.ResponseWriter, r *http.Request, page string, rf *refusal) {
	token := r.FormValue("token")
	inv, err := invite.Show(r.Context(), s.db, token)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	jv := &joinView{Token: token, Inv: inv, Expired: inv.Expired(time.Now())}
	if o, err := s.db.Org(r.Context(), inv.Org); err == nil {
		jv.OrgName = o.Name
	}
	if page == "partner-join" {
		user, _ := userOf(r)
		ms, _, _ := s.db.UserOrgs(r.Context(), user, store.Page{})
		for _, m := range ms {
			if m.Member.CanDo(access.ManagePartners) && m.Org.ID != inv.Org {
				jv.Orgs = append(jv.Orgs, m.Org)
			}
		}
	}
	s.render(w, r, nil, page, &view{Title: "Invitation to " + jv.OrgName, Refusal: rf}, jv)
}

// POST /join: accept or decline, signed in as the form says (demo).
func (s *server) join(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	token := r.PostForm.Get("token")
	user, name := userOf(r)
	if user == "" { // the demo signs the invitee in on the way
		email, err := member.NormalizeEmail(r.PostForm.Get("email"))
		if err != nil {
			s.showJoin(w, r, "join", invalid("Enter a valid e-mail address."))
			return
		}
		user, name = email, strings.TrimSpace(r.PostForm.Get("name"))
		setCookie(w, userCookie, user)
		setCookie(w, nameCookie, url.QueryEscape(name))
	}
	invitee := invite.Invitee{UserID: user, Email: user, Name: name}
	if r.PostForm.Get("answer") == "decline" {
		if err := invite.Decline(r.Context(), s.db, token, invitee); err != nil {
			s.showJoin(w, r, "join", refuse(err))
			return
		}
		s.render(w, r, nil, "message", &view{Title: "Invitation declined", Notice: "You declined the invitation."}, nil)
		return
	}
	a, err := invite.Accept(r.Context(), s.db, token, invitee)
	if err != nil {
		s.showJoin(w, r, "join", refuse(err))
		return
	}
	done(w, r, "/orgs/"+a.Org.ID.String()+"/members", "joined")
}

// GET /partner-join?token=…: a partnership offered to one of the user's
// organisations.
func (s *server) partnerJoinPage(w http.ResponseWriter, r *http.Request) {
	if user, _ := userOf(r); user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.showJoin(w, r, "partner-join", nil)
}

// POST /partner-join: accept the partnership on behalf of an organisation
// the user manages the partners of.
func (s *server) partnerJoin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	user, _ := userOf(r)
	if user == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	orgID, err := parseID(r.PostForm.Get("org"))
	if err != nil {
		s.showJoin(w, r, "partner-join", invalid("Choose the organisation that accepts."))
		return
	}
	me, err := s.db.MemberByUser(r.Context(), orgID, user)
	if err == nil {
		_, err = invite.AcceptPartner(r.Context(), s.db, r.PostForm.Get("token"), orgID, me.ID)
	}
	if err != nil {
		rf := refuse(err)
		if errors.Is(err, member.ErrForbidden) {
			rf = forbidden(&me, access.ManagePartners)
		}
		s.showJoin(w, r, "partner-join", rf)
		return
	}
	s.render(w, r, nil, "message", &view{Title: "Partnership accepted",
		Notice: "Your organisation is now a partner. Its staff see what the partnership shares."}, nil)
}
