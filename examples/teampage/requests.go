package main

import (
	"net/http"
	"net/url"
	"regexp"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

type requestsView struct {
	Rows    []requestRow
	CodeSet bool
}

type requestRow struct {
	Req   store.Request
	Perms []permRow
}

type permRow struct {
	Name, Label string
	Checked     bool
}

// GET /orgs/{org}/requests: access requests waiting for review (seed 002),
// each with the permissions asked for, to narrow before accepting; and the
// access code an outside requester must give.
func (s *server) requests(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	s.showRequests(w, r, c, nil)
}

func (s *server) showRequests(w http.ResponseWriter, r *http.Request, c *reqCtx, rf *refusal) {
	if !c.Me.CanDo(access.ApproveRequests) {
		s.render(w, r, c, "message", &view{Title: "Access requests", Refusal: forbidden(&c.Me, access.ApproveRequests)}, nil)
		return
	}
	v := &view{Title: "Access requests", Tab: "requests", Refusal: rf}
	rv := &requestsView{}
	reqs, _, err := s.db.Requests(r.Context(), c.Org.ID, store.Asked, store.Page{})
	if err != nil && v.Refusal == nil {
		v.Refusal = refuse(err)
	}
	for _, q := range reqs {
		row := requestRow{Req: q}
		for p := range q.Perms.All() {
			row.Perms = append(row.Perms, permRow{policy.Name(p), policy.Label(p), true})
		}
		rv.Rows = append(rv.Rows, row)
	}
	// Whether a code is set is read in a unit of work that writes nothing:
	// the code itself is never shown, only kept hashed.
	_ = s.db.Update(r.Context(), c.Org.ID, func(tx store.Tx) error {
		code, err := tx.Code(r.Context())
		rv.CodeSet = err == nil && code.Hash != ""
		return nil
	})
	s.render(w, r, c, "requests", v, rv)
}

// POST /orgs/{org}/requests/{id}/approve perm=…&perm=…: accept with the
// permissions left ticked, which may narrow what was asked.
func (s *server) approve(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	perms, err := policy.ParseSet(r.PostForm["perm"]...)
	if err != nil {
		s.showRequests(w, r, c, invalid("Tick the permissions to grant, from those asked for."))
		return
	}
	if perms.IsEmpty() {
		s.showRequests(w, r, c, invalid("Tick at least one permission to accept, or decline the request."))
		return
	}
	if _, err := invite.Approve(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r), perms); err != nil {
		rf := refusalOf(err, &c.Me, access.ApproveRequests)
		if rf.Code == "invalid" {
			rf.Rule = "You can narrow a request, not widen it."
			rf.Reason = "Grant only permissions that were asked for."
		}
		s.showRequests(w, r, c, rf)
		return
	}
	done(w, r, c.href("requests"), "approved")
}

// POST /orgs/{org}/requests/{id}/decline
func (s *server) decline(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	if err := invite.Refuse(r.Context(), s.db, c.Org.ID, c.Me.ID, pathID(r)); err != nil {
		s.showRequests(w, r, c, refusalOf(err, &c.Me, access.ApproveRequests))
		return
	}
	done(w, r, c.href("requests"), "declined")
}

var digits = regexp.MustCompile(`^[0-9]{4}$`)

// POST /orgs/{org}/code code=1234 (or remove=1): the four-digit code.
func (s *server) setCode(w http.ResponseWriter, r *http.Request, c *reqCtx) {
	code, key := r.PostForm.Get("code"), "code"
	if r.PostForm.Get("remove") != "" {
		code, key = "", "nocode"
	} else if !digits.MatchString(code) {
		s.showRequests(w, r, c, invalid("The access code is four digits."))
		return
	}
	if err := invite.SetCode(r.Context(), s.db, c.Org.ID, c.Me.ID, code); err != nil {
		s.showRequests(w, r, c, refusalOf(err, &c.Me, access.ApproveRequests))
		return
	}
	done(w, r, c.href("requests"), key)
}

type askView struct {
	OrgName string
	Perms   []permRow
	Message string
	Sent    bool
}

// GET /orgs/{org}/request-access: an outside user asks to collaborate
// (seed 002), with the permissions it needs and, if the organisation set
// one, its access code.
func (s *server) askPage(w http.ResponseWriter, r *http.Request) {
	s.showAsk(w, r, nil, &askView{})
}

func (s *server) showAsk(w http.ResponseWriter, r *http.Request, rf *refusal, av *askView) {
	user, _ := userOf(r)
	if user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	orgID, err := parseID(r.PathValue("org"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	org, err := s.db.Org(r.Context(), orgID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	av.OrgName = org.Name
	if av.Perms == nil {
		for p := range modulePerms.All() {
			av.Perms = append(av.Perms, permRow{policy.Name(p), policy.Label(p), false})
		}
	}
	v := &view{Title: "Ask for access to " + org.Name, Refusal: rf}
	s.render(w, r, nil, "ask", v, av)
}

// POST /orgs/{org}/request-access perm=…&message=…&code=…
func (s *server) ask(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	_ = r.ParseForm()
	user, name := userOf(r)
	f := r.PostForm
	av := &askView{Message: f.Get("message")}
	asked := map[string]bool{}
	for _, n := range f["perm"] {
		asked[n] = true
	}
	for p := range modulePerms.All() {
		av.Perms = append(av.Perms, permRow{policy.Name(p), policy.Label(p), asked[policy.Name(p)]})
	}
	if user == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	orgID, err := parseID(r.PathValue("org"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	perms, err := policy.ParseSet(f["perm"]...)
	if err != nil || perms.IsEmpty() || !perms.SubsetOf(modulePerms) {
		s.showAsk(w, r, invalid("Tick the permissions you need."), av)
		return
	}
	if _, err := invite.RequestAccess(r.Context(), s.db, orgID, invite.Requester{UserID: user, Email: user, Name: name},
		perms, f.Get("message"), f.Get("code")); err != nil {
		s.showAsk(w, r, refuse(err), av)
		return
	}
	av.Sent = true
	s.showAsk(w, r, nil, av)
}
