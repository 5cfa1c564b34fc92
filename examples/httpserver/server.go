package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// server is the JSON API behind a "Settings → Team" page.
//
// Lifecycle handlers (invite, change role, deactivate, …) call the rule and
// let it refuse: each rule checks the actor's permission, status and reach
// itself, and fail turns its error into a status. Handlers that only read
// check the member's grant with one Can or CanDo line.
type server struct {
	db   store.Store
	join string // the base URL of invitation links
}

// newServer returns the API on db. Invitation links are built on joinURL,
// the page of the host's front end where a signed-in user accepts one.
func newServer(db store.Store, joinURL string) http.Handler {
	s := &server{db: db, join: joinURL}
	mux := http.NewServeMux()
	// Showing and accepting need no membership: the token is the
	// credential.
	mux.HandleFunc("GET /invitations/{token}", s.show)
	mux.HandleFunc("POST /invitations/accept", s.accept)

	// Everything else is for members of {org}.
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /orgs/{org}/members":                  s.listMembers,
		"PUT /orgs/{org}/members/{id}/role":        s.changeRole,
		"POST /orgs/{org}/members/{id}/deactivate": s.deactivate,
		"POST /orgs/{org}/members/{id}/reactivate": s.reactivate,
		"DELETE /orgs/{org}/members/{id}":          s.remove,
		"POST /orgs/{org}/transfer":                s.transfer,
		"GET /orgs/{org}/invitations":              s.listPending,
		"POST /orgs/{org}/invitations":             s.invite,
		"POST /orgs/{org}/invitations/{id}/resend": s.resend,
		"DELETE /orgs/{org}/invitations/{id}":      s.cancel,
		"GET /orgs/{org}/audit":                    s.audit,
		"GET /orgs/{org}/products":                 s.products,
	} {
		mux.Handle(pattern, s.withMember(h))
	}
	return mux
}

// userOf returns the signed-in user. Identity is the host's job: a real host
// takes the user from its session or token; this example trusts a header.
func userOf(r *http.Request) string { return r.Header.Get("X-User") }

type memberKey struct{}

// withMember loads the signed-in user's membership of the organisation {org}
// and puts it in the request's context. A user who is not a member gets 404,
// as for an organisation that does not exist: the API does not reveal which
// organisations exist. An inactive member gets through, and every check
// refuses it.
func (s *server) withMember(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := userOf(r)
		if user == "" {
			unauthorized(w)
			return
		}
		org, err := uuid.Parse(r.PathValue("org"))
		if err != nil || !validID(r.PathValue("id")) {
			fail(w, store.ErrNotFound)
			return
		}
		m, err := s.db.MemberByUser(r.Context(), org, user)
		if err != nil {
			fail(w, err)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), memberKey{}, &m)))
	})
}

// current returns the member withMember loaded.
func current(r *http.Request) *store.Member { return r.Context().Value(memberKey{}).(*store.Member) }

// GET /orgs/{org}/members?limit=50&after=<cursor>
func (s *server) listMembers(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	if !m.Can(ViewMembers) {
		forbidden(w, m.Explain(ViewMembers))
		return
	}
	p, err := pageOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	ms, next, err := s.db.Members(r.Context(), m.Org, store.Filter{}, p)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Members []store.Member `json:"members"`
		Next    string         `json:"next,omitempty"`
	}{nonNil(ms), next})
}

// POST /orgs/{org}/invitations {"email": …, "role": …}
func (s *server) invite(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	var body struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decode(w, r, &body); err != nil {
		fail(w, err)
		return
	}
	inv, token, err := invite.Send(r.Context(), s.db, m.Org, m.ID, invite.NewInvitation{Email: body.Email, Role: body.Role})
	if err != nil {
		fail(w, err)
		return
	}
	s.writeInvitation(w, http.StatusCreated, inv, token)
}

// writeInvitation writes an invitation with its magic link. A real host
// e-mails the link instead; returning it lets you follow along with curl.
func (s *server) writeInvitation(w http.ResponseWriter, status int, inv store.Invitation, token string) {
	link, err := invite.Link(s.join, token)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, status, struct {
		Invitation invitationJSON `json:"invitation"`
		Link       string         `json:"link"`
	}{viewInvitation(inv, false), link})
}

// GET /invitations/{token}: the join page's read, which locks nothing and
// changes nothing: who invites whom to what, and whether it is still open.
func (s *server) show(w http.ResponseWriter, r *http.Request) {
	inv, err := invite.Show(r.Context(), s.db, r.PathValue("token"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"email": inv.Email, "role": inv.Role, "invited_by": inv.InvitedBy.Name,
		"status": inv.Status.String(), "expires": inv.Expires, "expired": inv.Expired(time.Now()),
	})
}

// POST /invitations/accept {"token": …, "email": …, "name": …}, as the
// signed-in user. A real host takes the e-mail from its verified account.
func (s *server) accept(w http.ResponseWriter, r *http.Request) {
	user := userOf(r)
	if user == "" {
		unauthorized(w)
		return
	}
	var body struct {
		Token string `json:"token"`
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := decode(w, r, &body); err != nil {
		fail(w, err)
		return
	}
	a, err := invite.Accept(r.Context(), s.db, body.Token, invite.Invitee{UserID: user, Email: body.Email, Name: body.Name})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a.Member)
}

// PUT /orgs/{org}/members/{id}/role {"role": …}
func (s *server) changeRole(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	var body struct {
		Role string `json:"role"`
	}
	if err := decode(w, r, &body); err != nil {
		fail(w, err)
		return
	}
	t, err := member.ChangeRole(r.Context(), s.db, m.Org, m.ID, pathID(r), body.Role)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// POST /orgs/{org}/members/{id}/deactivate
func (s *server) deactivate(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	t, err := member.Deactivate(r.Context(), s.db, m.Org, m.ID, pathID(r))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// POST /orgs/{org}/members/{id}/reactivate
func (s *server) reactivate(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	t, err := member.Reactivate(r.Context(), s.db, m.Org, m.ID, pathID(r))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// DELETE /orgs/{org}/members/{id}
func (s *server) remove(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	if err := member.Remove(r.Context(), s.db, m.Org, m.ID, pathID(r)); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// POST /orgs/{org}/transfer {"to": "<member ID>"}
func (s *server) transfer(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	var body struct {
		To store.ID `json:"to"`
	}
	if err := decode(w, r, &body); err != nil {
		fail(w, err)
		return
	}
	if err := member.TransferOwnership(r.Context(), s.db, m.Org, m.ID, body.To); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// GET /orgs/{org}/invitations?limit=50&after=<cursor>: the pending list,
// people's and partners' as the member may see them (invite.ListPending
// gates it).
func (s *server) listPending(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	p, err := pageOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	pending, next, err := invite.ListPending(r.Context(), s.db, m.Org, m.ID, p)
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]invitationJSON, len(pending))
	for i, inv := range pending {
		out[i] = viewInvitation(inv.Invitation, inv.Expired)
	}
	writeJSON(w, http.StatusOK, struct {
		Invitations []invitationJSON `json:"invitations"`
		Next        string           `json:"next,omitempty"`
	}{out, next})
}

// POST /orgs/{org}/invitations/{id}/resend: a new link, and a new expiry.
func (s *server) resend(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	inv, token, err := invite.Resend(r.Context(), s.db, m.Org, m.ID, pathID(r))
	if err != nil {
		fail(w, err)
		return
	}
	s.writeInvitation(w, http.StatusOK, inv, token)
}

// DELETE /orgs/{org}/invitations/{id}
func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	if err := invite.Cancel(r.Context(), s.db, m.Org, m.ID, pathID(r)); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// GET /orgs/{org}/audit?after=<seq>&limit=50
func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		var err error
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			fail(w, fmt.Errorf("%w: after=%q is not a sequence number", store.ErrInvalid, v))
			return
		}
	}
	p, err := pageOf(r)
	if err != nil {
		fail(w, err)
		return
	}
	events, err := member.AuditLog(r.Context(), s.db, m.Org, m.ID, after, p.Size())
	if err != nil {
		fail(w, err)
		return
	}
	var next int64 // the cursor of the next page, if there may be one
	if len(events) == p.Size() {
		next = events[len(events)-1].Seq
	}
	writeJSON(w, http.StatusOK, struct {
		Events []store.Event `json:"events"`
		Next   int64         `json:"next,omitempty"`
	}{nonNil(events), next})
}

// GET /orgs/{org}/products: the product itself, guarded by a product
// permission checked on the member loaded for this request.
func (s *server) products(w http.ResponseWriter, r *http.Request) {
	m := current(r)
	if !m.Can(ViewProducts) {
		forbidden(w, m.Explain(ViewProducts))
		return
	}
	type product struct {
		SKU  string `json:"sku"`
		Name string `json:"name"`
	}
	writeJSON(w, http.StatusOK, struct {
		Products []product `json:"products"`
		CanEdit  bool      `json:"can_edit"`
	}{[]product{{"A-100", "Anvil"}, {"R-200", "Rocket skates"}}, m.Can(EditProducts)})
}

// invitationJSON is what the API shows of an invitation: never its token
// hash or sealed token.
type invitationJSON struct {
	ID        store.ID    `json:"id"`
	Email     string      `json:"email"`
	Role      string      `json:"role"`
	Status    string      `json:"status"`
	InvitedBy store.Party `json:"invited_by"`
	Sent      time.Time   `json:"sent"`
	Expires   time.Time   `json:"expires"`
	Resends   int         `json:"resends"`
	Expired   bool        `json:"expired"`
}

func viewInvitation(inv store.Invitation, expired bool) invitationJSON {
	return invitationJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, Status: inv.Status.String(),
		InvitedBy: inv.InvitedBy, Sent: inv.Sent, Expires: inv.Expires, Resends: inv.Resends, Expired: expired}
}

// validID reports whether a path's {id}, if it has one, is an ID.
func validID(v string) bool {
	_, err := uuid.Parse(v)
	return v == "" || err == nil
}

// pathID returns the path's {id}, which withMember has checked.
func pathID(r *http.Request) store.ID { return uuid.MustParse(r.PathValue("id")) }

// pageOf reads ?limit= and ?after= (the cursor of the previous page).
func pageOf(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{After: q.Get("after")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return store.Page{}, fmt.Errorf("%w: limit=%q is not a positive number", store.ErrInvalid, v)
		}
		p.Limit = n
	}
	return p, nil
}

// decode reads a JSON request body into v. Malformed JSON, unknown fields
// and trailing data are store.ErrInvalid, so that fail answers 422.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: request body: %v", store.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: request body: trailing data", store.ErrInvalid)
	}
	return nil
}

type errorBody struct {
	Error  string `json:"error"`
	Code   string `json:"code,omitempty"` // store.ErrorCode's stable code
	Reason string `json:"reason,omitempty"`
}

// unauthorized answers 401 to a request without a user.
func unauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, errorBody{Error: "Unauthorized", Reason: "sign in (send the X-User header)"})
}

// forbidden answers 403 with the reason a check gave.
func forbidden(w http.ResponseWriter, d access.Decision) {
	writeJSON(w, http.StatusForbidden, errorBody{Error: "Forbidden", Reason: d.String()})
}

// fail answers with err's status and stable code (store.ErrorCode, the one
// mapping from roster's errors to HTTP). Refusals carry the rule's message,
// which says which rule refused and why; a missing resource says nothing
// more (it may be another organisation's); anything else is logged, not
// shown.
func fail(w http.ResponseWriter, err error) {
	code, st := store.ErrorCode(err)
	body := errorBody{Error: http.StatusText(st), Code: code, Reason: err.Error()}
	switch {
	case st == http.StatusNotFound:
		body.Reason = ""
	case st >= http.StatusInternalServerError:
		log.Printf("internal error: %v", err)
		body.Reason = ""
	}
	writeJSON(w, st, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Printf("encoding a response: %v", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
