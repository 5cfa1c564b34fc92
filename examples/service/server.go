package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

// routes is the service's HTTP API, with the routing patterns of net/http
// (Go 1.22 and later). Identity is the host's job: this example trusts an
// X-User header where a real service reads its session.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", a.signup)
	mux.HandleFunc("GET /invitations/{token}", a.show)
	mux.HandleFunc("POST /invitations/accept", a.accept)
	mux.HandleFunc("GET /api/projects", a.apiProjects) // with an API key
	for pattern, h := range map[string]func(http.ResponseWriter, *http.Request, *store.Member){
		"GET /orgs/{org}/projects":                 a.listProjects,
		"POST /orgs/{org}/projects":                a.createProject,
		"GET /orgs/{org}/members":                  a.listMembers,
		"PUT /orgs/{org}/members/{id}/role":        a.changeRole,
		"POST /orgs/{org}/members/{id}/keys":       a.issueKey,
		"POST /orgs/{org}/invitations":             a.invite,
		"GET /orgs/{org}/invitations":              a.listPending,
		"DELETE /orgs/{org}/invitations/{id}":      a.cancel,
		"POST /orgs/{org}/invitations/{id}/resend": a.resend,
	} {
		mux.Handle(pattern, a.withMember(h))
	}
	return mux
}

// withMember loads the signed-in user's membership of {org}: one read, after
// which each check is a bit test (m.Can). A user who is not a member gets
// 404, as for an organisation that does not exist.
func (a *app) withMember(next func(http.ResponseWriter, *http.Request, *store.Member)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get("X-User")
		if user == "" {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "sign in (send X-User)")
			return
		}
		org, err := uuid.Parse(r.PathValue("org"))
		if err != nil {
			fail(w, store.ErrNotFound)
			return
		}
		m, err := a.s.MemberByUser(r.Context(), org, user)
		if err != nil {
			fail(w, err)
			return
		}
		next(w, r, &m)
	})
}

// POST /signup {"org": …, "user": …, "email": …, "name": …}: a new
// organisation, owned by the user, with its first project, in one
// transaction.
func (a *app) signup(w http.ResponseWriter, r *http.Request) {
	var body struct{ Org, User, Email, Name string }
	if !decode(w, r, &body) {
		return
	}
	var org store.Org
	var owner store.Member
	err := a.inTx(r.Context(), func(tx pgx.Tx, s *sqlstore.Store) error {
		var err error
		org, owner, err = member.CreateOrg(r.Context(), s, member.NewOrg{Name: body.Org,
			Owner: member.NewUser{UserID: body.User, Email: body.Email, Name: body.Name}})
		if err != nil {
			return err
		}
		_, err = tx.Exec(r.Context(), `INSERT INTO projects (org, name, created_by) VALUES ($1, 'Welcome', $2)`, org.ID, body.User)
		return err
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"org": org.ID, "member": owner.ID})
}

type project struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedBy string `json:"created_by"`
}

func (a *app) projects(ctx context.Context, org store.ID) ([]project, error) {
	rows, err := a.pool.Query(ctx, `SELECT id, name, created_by FROM projects WHERE org = $1 ORDER BY id`, org)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[project])
}

// GET /orgs/{org}/projects
func (a *app) listProjects(w http.ResponseWriter, r *http.Request, m *store.Member) {
	if !m.Can(ViewProjects) {
		writeError(w, http.StatusForbidden, "forbidden", m.Explain(ViewProjects).String())
		return
	}
	ps, err := a.projects(r.Context(), m.Org)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": ps})
}

// POST /orgs/{org}/projects {"name": …, "lead": {"email": …, "role": …}}:
// a project and, if asked, the invitation of its lead, in one
// transaction: if the plan has no room for the project once it is
// written, the invitation goes too, and is never mailed.
func (a *app) createProject(w http.ResponseWriter, r *http.Request, m *store.Member) {
	if !m.Can(EditProjects) {
		writeError(w, http.StatusForbidden, "forbidden", m.Explain(EditProjects).String())
		return
	}
	var body struct {
		Name string
		Lead *struct{ Email, Role string }
	}
	if !decode(w, r, &body) {
		return
	}
	ctx := r.Context()
	var p project
	err := a.inTx(ctx, func(tx pgx.Tx, s *sqlstore.Store) error {
		if err := tx.QueryRow(ctx, `INSERT INTO projects (org, name, created_by) VALUES ($1, $2, $3) RETURNING id, name, created_by`,
			m.Org, body.Name, m.UserID).Scan(&p.ID, &p.Name, &p.CreatedBy); err != nil {
			return err
		}
		if body.Lead != nil {
			if _, _, err := invite.Send(ctx, s, m.Org, m.ID, invite.NewInvitation{Email: body.Lead.Email, Role: body.Lead.Role}); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM projects WHERE org = $1`, m.Org).Scan(&n); err != nil {
			return err
		}
		if n > maxProjects {
			return errQuota
		}
		return nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// GET /orgs/{org}/members
func (a *app) listMembers(w http.ResponseWriter, r *http.Request, m *store.Member) {
	if !m.Can(ViewProjects) {
		writeError(w, http.StatusForbidden, "forbidden", m.Explain(ViewProjects).String())
		return
	}
	ms, _, err := a.s.Members(r.Context(), m.Org, store.Filter{}, store.Page{Limit: 100})
	if err != nil {
		fail(w, err)
		return
	}
	out := []map[string]any{}
	for _, x := range ms {
		out = append(out, map[string]any{"id": x.ID, "user": x.UserID, "email": x.Email, "role": x.Role, "status": x.Status.String()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out})
}

// PUT /orgs/{org}/members/{id}/role {"role": …}: the rule checks the
// actor's permission, reach and status itself.
func (a *app) changeRole(w http.ResponseWriter, r *http.Request, m *store.Member) {
	var body struct{ Role string }
	if !decode(w, r, &body) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	t, err := member.ChangeRole(r.Context(), a.s, m.Org, m.ID, id, body.Role)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": t.ID, "role": t.Role})
}

// POST /orgs/{org}/members/{id}/keys {"name": …}: an API key for the
// member; the secret is shown once.
func (a *app) issueKey(w http.ResponseWriter, r *http.Request, m *store.Member) {
	var body struct{ Name string }
	if !decode(w, r, &body) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	k, secret, err := member.IssueKey(r.Context(), a.s, m.Org, m.ID, id, body.Name)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": k.ID, "secret": secret})
}

// GET /api/projects with "Authorization: Bearer <key>": the projects of
// the key's organisation, if its member may view them.
func (a *app) apiProjects(w http.ResponseWriter, r *http.Request) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "send Authorization: Bearer <key>")
		return
	}
	m, _, err := member.Authenticate(r.Context(), a.s, secret)
	if err != nil {
		fail(w, err)
		return
	}
	if !m.Can(ViewProjects) {
		writeError(w, http.StatusForbidden, "forbidden", m.Explain(ViewProjects).String())
		return
	}
	ps, err := a.projects(r.Context(), m.Org)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"org": m.Org, "projects": ps})
}

// POST /orgs/{org}/invitations {"email": …, "role": …}: the invitation is
// written, and mailed by the delivery worker once it commits; the answer
// holds no link.
func (a *app) invite(w http.ResponseWriter, r *http.Request, m *store.Member) {
	var body struct{ Email, Role string }
	if !decode(w, r, &body) {
		return
	}
	inv, _, err := invite.Send(r.Context(), a.s, m.Org, m.ID, invite.NewInvitation{Email: body.Email, Role: body.Role})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": inv.ID, "email": inv.Email, "role": inv.Role, "expires": inv.Expires})
}

// GET /orgs/{org}/invitations: the pending list.
func (a *app) listPending(w http.ResponseWriter, r *http.Request, m *store.Member) {
	// The rule gates the list (access.Invite for people's invitations,
	// access.ManagePartners for partners'): a refusal is its stable code.
	invs, _, err := invite.ListPending(r.Context(), a.s, m.Org, m.ID, store.Page{Limit: 100})
	if err != nil {
		fail(w, err)
		return
	}
	out := []map[string]any{}
	for _, i := range invs {
		out = append(out, map[string]any{"id": i.ID, "email": i.Email, "role": i.Role, "expired": i.Expired})
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": out})
}

// DELETE /orgs/{org}/invitations/{id}
func (a *app) cancel(w http.ResponseWriter, r *http.Request, m *store.Member) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := invite.Cancel(r.Context(), a.s, m.Org, m.ID, id); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// POST /orgs/{org}/invitations/{id}/resend: a new link, mailed by the
// worker; the old one stops working.
func (a *app) resend(w http.ResponseWriter, r *http.Request, m *store.Member) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	inv, _, err := invite.Resend(r.Context(), a.s, m.Org, m.ID, id)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": inv.ID, "expires": inv.Expires})
}

// GET /invitations/{token}: the join page's read; the token is the
// credential.
func (a *app) show(w http.ResponseWriter, r *http.Request) {
	inv, err := invite.Show(r.Context(), a.s, r.PathValue("token"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"email": inv.Email, "role": inv.Role, "invited_by": inv.InvitedBy.Email, "status": inv.Status.String()})
}

// POST /invitations/accept {"token": …, "email": …, "name": …}, as the
// signed-in user (a real service takes the e-mail from the user's
// verified account).
func (a *app) accept(w http.ResponseWriter, r *http.Request) {
	user := r.Header.Get("X-User")
	if user == "" {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "sign in (send X-User)")
		return
	}
	var body struct{ Token, Email, Name string }
	if !decode(w, r, &body) {
		return
	}
	acc, err := invite.Accept(r.Context(), a.s, body.Token, invite.Invitee{UserID: user, Email: body.Email, Name: body.Name})
	if err != nil {
		fail(w, err)
		return
	}
	m := acc.Member
	writeJSON(w, http.StatusCreated, map[string]any{"org": m.Org, "org_name": acc.Org.Name, "member": m.ID, "role": m.Role})
}

func pathID(w http.ResponseWriter, r *http.Request) (store.ID, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		fail(w, store.ErrNotFound)
		return id, false
	}
	return id, true
}

// decode reads a JSON body into v, or answers 422 and returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		fail(w, fmt.Errorf("%w: request body: %v", store.ErrInvalid, err))
		return false
	}
	return true
}

// fail answers with err's status and stable code: roster's refusals by
// store.ErrorCode, the service's own (a project name taken, the plan's
// quota) by their own codes. A missing resource says nothing more; an
// internal error is logged, not shown.
func fail(w http.ResponseWriter, err error) {
	var pg *pgconn.PgError
	switch {
	case errors.Is(err, errQuota):
		writeError(w, http.StatusConflict, "quota_exceeded", err.Error())
		return
	case errors.As(err, &pg) && pg.Code == "23505" && pg.TableName == "projects":
		writeError(w, http.StatusConflict, "project_exists", "a project of this name exists")
		return
	}
	code, status := store.ErrorCode(err)
	reason := err.Error()
	switch {
	case status == http.StatusNotFound:
		reason = ""
	case status >= http.StatusInternalServerError:
		log.Printf("internal error: %v", err)
		reason = ""
	}
	writeError(w, status, code, reason)
}

func writeError(w http.ResponseWriter, status int, code, reason string) {
	writeJSON(w, status, map[string]string{"error": http.StatusText(status), "code": code, "reason": reason})
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
