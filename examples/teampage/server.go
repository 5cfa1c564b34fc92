package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// server is the Team settings page: HTML forms over roster's rules. Every
// change is one call of a rule, which checks the signed-in member's
// permission, status and reach itself; the page hides what the member's role
// may not do, and shows each refusal as its rule in words.
type server struct {
	db    store.Store
	pages map[string]*template.Template
}

// newServer returns the page's handler on db.
func newServer(db store.Store) (http.Handler, error) {
	s := &server{db: db, pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, err
		}
		s.pages[base] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /signin", s.signinPage)
	mux.HandleFunc("POST /signin", s.signin)
	mux.HandleFunc("POST /signout", s.signout)
	mux.HandleFunc("GET /join", s.joinPage)
	mux.HandleFunc("POST /join", s.join)
	mux.HandleFunc("GET /partner-join", s.partnerJoinPage)
	mux.HandleFunc("POST /partner-join", s.partnerJoin)
	mux.HandleFunc("GET /orgs/{org}/content", s.content)
	mux.HandleFunc("GET /orgs/{org}/request-access", s.askPage)
	mux.HandleFunc("POST /orgs/{org}/request-access", s.ask)

	for pattern, h := range map[string]orgHandler{
		"GET /orgs/{org}/{$}": func(w http.ResponseWriter, r *http.Request, c *reqCtx) {
			http.Redirect(w, r, c.href("members"), http.StatusSeeOther)
		},
		"GET /orgs/{org}/members":                          s.members,
		"GET /orgs/{org}/members/{id}":                     s.memberPage,
		"POST /orgs/{org}/members/{id}/role":               s.changeRole,
		"POST /orgs/{org}/members/{id}/access":             s.changeAccess,
		"POST /orgs/{org}/members/{id}/scopes":             s.changeScopes,
		"POST /orgs/{org}/members/{id}/profile":            s.changeProfile,
		"POST /orgs/{org}/members/{id}/deactivate":         s.deactivate,
		"POST /orgs/{org}/members/{id}/reactivate":         s.reactivate,
		"POST /orgs/{org}/members/{id}/remove":             s.remove,
		"POST /orgs/{org}/members/{id}/transfer":           s.proposeTransfer,
		"POST /orgs/{org}/transfer/accept":                 s.acceptTransfer,
		"POST /orgs/{org}/transfer/cancel":                 s.cancelTransfer,
		"GET /orgs/{org}/invite":                           s.wizardPage,
		"POST /orgs/{org}/invite":                          s.wizard,
		"GET /orgs/{org}/invitations":                      s.pending,
		"POST /orgs/{org}/invitations/{id}/resend":         s.resend,
		"POST /orgs/{org}/invitations/{id}/cancel":         s.cancel,
		"POST /orgs/{org}/invitations/{id}/link":           s.copyLink,
		"GET /orgs/{org}/requests":                         s.requests,
		"POST /orgs/{org}/requests/{id}/approve":           s.approve,
		"POST /orgs/{org}/requests/{id}/decline":           s.decline,
		"POST /orgs/{org}/code":                            s.setCode,
		"GET /orgs/{org}/partners":                         s.partners,
		"POST /orgs/{org}/partners":                        s.invitePartner,
		"GET /orgs/{org}/partners/{id}":                    s.partnerPage,
		"POST /orgs/{org}/partners/{id}":                   s.changePartner,
		"POST /orgs/{org}/partners/{id}/suspend":           s.suspendPartner,
		"POST /orgs/{org}/partners/{id}/resume":            s.resumePartner,
		"POST /orgs/{org}/partners/{id}/revoke":            s.revokePartner,
		"POST /orgs/{org}/partner-invitations/{id}/cancel": s.cancelPartnerInvitation,
		"GET /orgs/{org}/audit":                            s.audit,
	} {
		mux.Handle(pattern, s.withMember(h))
	}
	return secure(mux), nil
}

// secure adds the headers every answer carries: no framing, no sniffing,
// and a content security policy that allows the page's own files only.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer") // invitation links carry their token
		next.ServeHTTP(w, r)
	})
}

// The demo's sign-in: a cookie naming the user, set by a form that asks for
// nothing but an e-mail address. It stands for the host's own
// authentication, which roster leaves to the host; never deploy it.
const (
	userCookie = "teampage_user"
	nameCookie = "teampage_name"
)

// userOf returns the signed-in user's ID (the demo takes the normalised
// e-mail address as the ID) and display name, or "".
func userOf(r *http.Request) (id, name string) {
	if c, err := r.Cookie(userCookie); err == nil {
		id = c.Value
	}
	if c, err := r.Cookie(nameCookie); err == nil {
		name, _ = url.QueryUnescape(c.Value)
	}
	return id, name
}

// reqCtx is what a handler of an organisation's page works with: the
// organisation and the signed-in user's membership of it.
type reqCtx struct {
	Org  store.Org
	Me   store.Member
	User string
}

func (c *reqCtx) href(parts ...string) string {
	return "/orgs/" + c.Org.ID.String() + "/" + strings.Join(parts, "/")
}

type orgHandler func(w http.ResponseWriter, r *http.Request, c *reqCtx)

// withMember loads the signed-in user's membership of {org}. A visitor who is
// not signed in is sent to sign in; a user who is not a member gets the
// not-found page, as for an organisation that does not exist.
func (s *server) withMember(h orgHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := userOf(r)
		if user == "" {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		org, err := uuid.Parse(r.PathValue("org"))
		if err != nil {
			s.notFound(w, r)
			return
		}
		if v := r.PathValue("id"); v != "" {
			if _, err := uuid.Parse(v); err != nil {
				s.notFound(w, r)
				return
			}
		}
		c := &reqCtx{User: user}
		if c.Org, err = s.db.Org(r.Context(), org); err == nil {
			c.Me, err = s.db.MemberByUser(r.Context(), org, user)
		}
		if errors.Is(err, store.ErrNotFound) {
			s.notFound(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				s.render(w, r, c, "message", &view{Refusal: invalid("The form could not be read.")}, nil)
				return
			}
		}
		h(w, r, c)
	})
}

// pathID returns the path's {id}, which withMember has checked.
func pathID(r *http.Request) store.ID { return uuid.MustParse(r.PathValue("id")) }

// view is what every page's template gets.
type view struct {
	Title   string
	Tab     string
	User    string
	Name    string
	Org     *store.Org
	Me      *store.Member
	Tabs    []tab
	Notice  string // what the last change did
	OK      string // its key, for the tests
	Refusal *refusal
	Seats   *seats
	Data    any
}

type tab struct {
	Key, Label, Href string
}

type seats struct{ Used, Limit int }

// tabs returns the tabs the member may open: a tab whose every action the
// member's role may not take is not offered.
func tabs(c *reqCtx) []tab {
	me := &c.Me
	ts := []tab{{"members", "Members", c.href("members")}}
	if me.CanDo(access.Invite) {
		ts = append(ts, tab{"invite", "Invite", c.href("invite")}, tab{"pending", "Pending invitations", c.href("invitations")})
	}
	if me.CanDo(access.ApproveRequests) {
		ts = append(ts, tab{"requests", "Access requests", c.href("requests")})
	}
	if me.CanDo(access.ManagePartners) {
		ts = append(ts, tab{"partners", "Partners", c.href("partners")})
	}
	if me.CanDo(access.ReadAudit) {
		ts = append(ts, tab{"audit", "Audit log", c.href("audit")})
	}
	return append(ts, tab{"content", "Content", c.href("content")})
}

// notices are the sentences a change's redirect shows, by key.
var notices = map[string]string{
	"role":        "The role was changed.",
	"access":      "Module access was changed.",
	"scopes":      "The scopes were changed.",
	"profile":     "The profile was saved.",
	"deactivated": "The member was deactivated: their record, role and keys are kept.",
	"reactivated": "The member was reactivated with exactly the access they had.",
	"removed":     "The member was removed. Their history stays in the audit log.",
	"proposed":    "Ownership was proposed. It moves when they accept.",
	"transferred": "You are now the owner.",
	"withdrawn":   "The ownership transfer was cancelled.",
	"resent":      "The invitation was sent again with a new link, valid for 7 more days.",
	"cancelled":   "The invitation was cancelled.",
	"approved":    "The request was accepted.",
	"declined":    "The request was declined.",
	"code":        "The access code was set.",
	"nocode":      "The access code was removed.",
	"partner":     "The partner was invited.",
	"level":       "The partnership was changed.",
	"suspended":   "The partnership was suspended: the partner lost access, and resuming restores it.",
	"resumed":     "The partnership was resumed.",
	"revoked":     "The partnership was revoked.",
	"joined":      "Welcome! You joined the organisation.",
}

// done answers a successful change: back to the page, with its notice.
func done(w http.ResponseWriter, r *http.Request, to, key string) {
	http.Redirect(w, r, to+"?ok="+key, http.StatusSeeOther)
}

// render writes page name with v, status taken from v.Refusal if any.
func (s *server) render(w http.ResponseWriter, r *http.Request, c *reqCtx, name string, v *view, data any) {
	v.Data = data
	v.User, v.Name = userOf(r)
	if c != nil {
		v.Org, v.Me, v.Tabs = &c.Org, &c.Me, tabs(c)
		if v.User == "" {
			v.User = c.User
		}
	}
	if k := r.URL.Query().Get("ok"); k != "" && v.Refusal == nil && r.Method == http.MethodGet {
		v.Notice, v.OK = notices[k], k
	}
	status := http.StatusOK
	if v.Refusal != nil {
		status = v.Refusal.Status
	}
	t, ok := s.pages[name]
	if !ok {
		panic("teampage: no template " + name)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		slog.Error("teampage: template", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail shows err's refusal on a page of its own.
func (s *server) fail(w http.ResponseWriter, r *http.Request, c *reqCtx, err error) {
	s.render(w, r, c, "message", &view{Title: "Refused", Refusal: refuse(err)}, nil)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, "message", &view{Title: "Not found", Refusal: refuse(store.ErrNotFound)}, nil)
}

// refusalOf is the refusal of an action a by member me: a forbidden action
// names the permission it needs.
func refusalOf(err error, me *store.Member, a access.Action) *refusal {
	if rf := refuse(err); rf.Code != "forbidden" && rf.Code != "inactive" {
		return rf
	}
	return forbidden(me, a)
}

// seatsOf returns the seats the organisation uses, in a unit of work that
// writes nothing.
func (s *server) seatsOf(ctx context.Context, org store.Org) (*seats, error) {
	st := &seats{Limit: org.SeatLimit}
	err := s.db.Update(ctx, org.ID, func(tx store.Tx) error {
		n, err := tx.Seats(ctx)
		st.Used = n
		return err
	})
	return st, err
}

// roleLabel returns a role's label for people.
func roleLabel(name string) string {
	if name == "" {
		return "Collaborator"
	}
	if r, ok := policy.Role(name); ok && r.Label != "" {
		return r.Label
	}
	return name
}

// scopeLabel returns a scope's label for people.
func scopeLabel(scope string) string {
	for _, d := range scopeDims {
		for _, v := range d.Values {
			if v.Scope == scope {
				return v.Label
			}
		}
	}
	return scope
}

var funcs = template.FuncMap{
	"role":  roleLabel,
	"scope": scopeLabel,
	"perm":  func(p access.Permission) string { return policy.Label(p) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"scopes": func(sc access.Scopes) []string {
		var out []string
		for v := range sc.All() {
			out = append(out, scopeLabel(v))
		}
		return out
	},
	"party": func(p store.Party) string {
		switch {
		case p.Name != "":
			return p.Name
		case p.Email != "":
			return p.Email
		case p.UserID != "":
			return p.UserID
		}
		return ""
	},
	"list3": func() []string { return []string{"none", "view", "edit"} },
	"levelLabel": func(l string) string {
		switch l {
		case "view":
			return "View"
		case "edit":
			return "View and edit"
		}
		return "No access"
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func itoa(n int) string { return fmt.Sprint(n) }

// parseID reads an ID from a form.
func parseID(v string) (store.ID, error) { return uuid.Parse(v) }
