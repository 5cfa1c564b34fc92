package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const joinURL = "https://app.example.com/join"

// api calls the server as one user or another.
type api struct {
	t    *testing.T
	base string
}

// do sends a request as user ("" for none) with body (a string is sent as
// is, anything else as JSON) and returns the status and the response body.
func (c api) do(method, path, user string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(c.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	if len(out) > 0 {
		assert.Equal(c.t, "application/json", res.Header.Get("Content-Type"))
	}
	return res.StatusCode, out
}

// ok sends a request that must answer want, and decodes the answer into v.
func (c api) ok(want int, v any, method, path, user string, body any) {
	c.t.Helper()
	st, out := c.do(method, path, user, body)
	require.Equal(c.t, want, st, "%s %s as %s: %s", method, path, user, out)
	if v != nil {
		require.NoError(c.t, json.Unmarshal(out, v), "%s", out)
	}
}

// refused sends a request that must answer status, with a reason holding
// each of reasons.
func (c api) refused(status int, method, path, user string, body any, reasons ...string) {
	c.t.Helper()
	st, out := c.do(method, path, user, body)
	require.Equal(c.t, status, st, "%s %s as %s: %s", method, path, user, out)
	var e errorBody
	require.NoError(c.t, json.Unmarshal(out, &e), "%s", out)
	assert.Equal(c.t, http.StatusText(status), e.Error)
	for _, r := range reasons {
		assert.Contains(c.t, e.Reason, r, "%s %s as %s", method, path, user)
	}
}

type memberJSON struct {
	ID          string   `json:"id"`
	UserID      string   `json:"user_id"`
	Email       string   `json:"email"`
	Role        string   `json:"role"`
	Status      string   `json:"status"`
	Owner       bool     `json:"owner"`
	Permissions []string `json:"permissions"`
}

type memberList struct {
	Members []memberJSON `json:"members"`
	Next    string       `json:"next"`
}

type sent struct {
	Invitation invitationJSON `json:"invitation"`
	Link       string         `json:"link"`
}

// token returns the token of a magic link.
func (s sent) token(t *testing.T) string {
	t.Helper()
	require.True(t, strings.HasPrefix(s.Link, joinURL+"?token=rinv_"), s.Link)
	u, err := url.Parse(s.Link)
	require.NoError(t, err)
	return u.Query().Get("token")
}

func newTestServer(t *testing.T) (store.Store, store.Org, api) {
	t.Helper()
	ctx := context.Background()
	db, closeDB, err := openStore(ctx, filepath.Join(t.TempDir(), "roster.db"))
	require.NoError(t, err)
	t.Cleanup(func() { closeDB() })
	org, err := seed(ctx, db)
	require.NoError(t, err)
	srv := httptest.NewServer(newServer(db, joinURL))
	t.Cleanup(srv.Close)
	return db, org, api{t: t, base: srv.URL}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	db, org, _ := newTestServer(t)
	again, err := seed(ctx, db)
	require.NoError(t, err)
	assert.Equal(t, org.ID, again.ID, "a second start reuses the demo organisation")
	ms, _, err := db.Members(ctx, org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, ms, 1)
	assert.Equal(t, "olga", ms[0].UserID)
	assert.True(t, ms[0].IsOwner())
}

// TestTeam runs the whole Settings → Team flow through HTTP.
func TestTeam(t *testing.T) {
	ctx := context.Background()
	db, org, c := newTestServer(t)
	o := "/orgs/" + org.ID.String()
	members := func(user string) map[string]memberJSON {
		t.Helper()
		var l memberList
		c.ok(http.StatusOK, &l, "GET", o+"/members", user, nil)
		byUser := map[string]memberJSON{}
		for _, m := range l.Members {
			byUser[m.UserID] = m
		}
		return byUser
	}
	join := func(by, name, role string) memberJSON {
		t.Helper()
		var s sent
		c.ok(http.StatusCreated, &s, "POST", o+"/invitations", by, map[string]string{"email": name + "@acme.example", "role": role})
		var m memberJSON
		c.ok(http.StatusCreated, &m, "POST", "/invitations/accept", name,
			map[string]string{"token": s.token(t), "email": name + "@acme.example", "name": name})
		return m
	}

	// The seeded organisation: Olga, its owner.
	ms := members("olga")
	require.Len(t, ms, 1)
	assert.True(t, ms["olga"].Owner)
	olga := ms["olga"]

	// Olga invites Adam as an admin; the response carries the link.
	var s sent
	c.ok(http.StatusCreated, &s, "POST", o+"/invitations", "olga", map[string]string{"email": "Adam@Acme.example", "role": "admin"})
	assert.Equal(t, "adam@acme.example", s.Invitation.Email)
	assert.Equal(t, "admin", s.Invitation.Role)
	assert.Equal(t, "pending", s.Invitation.Status)
	assert.Equal(t, "olga", s.Invitation.InvitedBy.UserID)
	adamToken := s.token(t)

	// Accepting: the e-mail must match, the token must be one, and it works once.
	c.refused(http.StatusUnauthorized, "POST", "/invitations/accept", "", map[string]string{"token": adamToken, "email": "adam@acme.example"})
	c.refused(http.StatusForbidden, "POST", "/invitations/accept", "adam",
		map[string]string{"token": adamToken, "email": "adam@elsewhere.example"}, "does not match")
	c.refused(http.StatusUnprocessableEntity, "POST", "/invitations/accept", "adam",
		map[string]string{"token": "not-a-token", "email": "adam@acme.example"}, "not a rinv secret")
	c.refused(http.StatusNotFound, "POST", "/invitations/accept", "adam",
		map[string]string{"token": "rinv_" + strings.Repeat("A", 43), "email": "adam@acme.example"})
	// The join page shows the invitation before Adam answers it.
	var shown struct {
		Email, Role, Status string
		Expired             bool
	}
	c.ok(http.StatusOK, &shown, "GET", "/invitations/"+adamToken, "", nil)
	assert.Equal(t, "adam@acme.example", shown.Email)
	assert.Equal(t, "admin", shown.Role)
	assert.Equal(t, "pending", shown.Status)
	assert.False(t, shown.Expired)
	c.refused(http.StatusNotFound, "GET", "/invitations/rinv_"+strings.Repeat("A", 43), "", nil)
	var adam memberJSON
	c.ok(http.StatusCreated, &adam, "POST", "/invitations/accept", "adam",
		map[string]string{"token": adamToken, "email": "adam@acme.example", "name": "Adam"})
	assert.Equal(t, "admin", adam.Role)
	assert.Equal(t, "active", adam.Status)
	assert.Contains(t, adam.Permissions, "members.manage")
	c.refused(http.StatusConflict, "POST", "/invitations/accept", "adam",
		map[string]string{"token": adamToken, "email": "adam@acme.example"}, "already used")

	// Adam brings in Eve, an editor.
	eve := join("adam", "eve", "editor")
	assert.Equal(t, "editor", eve.Role)

	// Malformed input is 422, with the reason.
	c.refused(http.StatusUnprocessableEntity, "POST", o+"/invitations", "adam",
		map[string]string{"email": "not-an-email", "role": "viewer"}, "e-mail")
	c.refused(http.StatusUnprocessableEntity, "POST", o+"/invitations", "adam",
		map[string]string{"email": "x@acme.example", "role": "wizard"}, "unknown role")
	c.refused(http.StatusUnprocessableEntity, "POST", o+"/invitations", "adam", `{"email": `, "request body")
	c.refused(http.StatusUnprocessableEntity, "POST", o+"/invitations", "adam", `{"e-mail": "x@acme.example"}`, "unknown field")
	c.refused(http.StatusConflict, "POST", o+"/invitations", "adam",
		map[string]string{"email": "eve@acme.example", "role": "viewer"}, "already a member")

	// Refused rules are 403, with the rule's reason.
	c.refused(http.StatusForbidden, "POST", o+"/invitations", "eve",
		map[string]string{"email": "x@acme.example", "role": "admin"}, "escalation", "members.manage", "audit.read")
	c.refused(http.StatusForbidden, "PUT", o+"/members/"+adam.ID+"/role", "eve",
		map[string]string{"role": "viewer"}, "forbidden", `needs "members.manage"`)
	c.refused(http.StatusForbidden, "PUT", o+"/members/"+olga.ID+"/role", "adam",
		map[string]string{"role": "admin"}, "owner is protected")
	c.refused(http.StatusForbidden, "PUT", o+"/members/"+adam.ID+"/role", "adam",
		map[string]string{"role": "viewer"}, "cannot act on yourself")
	c.refused(http.StatusForbidden, "GET", o+"/audit", "eve", nil, `needs "audit.read"`)

	// Non-members, unknown organisations and other organisations' members are 404.
	other, zed, err := member.CreateOrg(ctx, db, member.NewOrg{Name: "Other",
		Owner: member.NewUser{UserID: "zed", Email: "zed@other.example"}})
	require.NoError(t, err)
	c.refused(http.StatusUnauthorized, "GET", o+"/members", "", nil)
	c.refused(http.StatusNotFound, "GET", o+"/members", "mallory", nil)
	c.refused(http.StatusNotFound, "GET", o+"/members", "zed", nil)
	c.refused(http.StatusNotFound, "GET", "/orgs/"+other.ID.String()+"/members", "adam", nil)
	c.refused(http.StatusNotFound, "GET", "/orgs/"+uuid.NewString()+"/members", "olga", nil)
	c.refused(http.StatusNotFound, "GET", "/orgs/acme/members", "olga", nil)
	c.refused(http.StatusNotFound, "PUT", o+"/members/"+zed.ID.String()+"/role", "adam", map[string]string{"role": "viewer"})
	c.refused(http.StatusNotFound, "POST", o+"/members/"+zed.ID.String()+"/deactivate", "olga", nil)
	c.refused(http.StatusNotFound, "POST", o+"/members/not-an-id/deactivate", "olga", nil)
	st, out := c.do("GET", o+"/members", "mallory", nil)
	assert.Equal(t, http.StatusNotFound, st)
	assert.NotContains(t, string(out), org.ID.String(), "a 404 reveals nothing")

	// The member list pages with a cursor.
	var p1, p2 memberList
	c.ok(http.StatusOK, &p1, "GET", o+"/members?limit=2", "eve", nil)
	require.Len(t, p1.Members, 2)
	require.NotEmpty(t, p1.Next)
	c.ok(http.StatusOK, &p2, "GET", o+"/members?limit=2&after="+url.QueryEscape(p1.Next), "eve", nil)
	require.Len(t, p2.Members, 1)
	assert.Empty(t, p2.Next)
	var users []string
	for _, m := range append(p1.Members, p2.Members...) {
		users = append(users, m.UserID)
	}
	assert.ElementsMatch(t, []string{"olga", "adam", "eve"}, users)
	c.refused(http.StatusUnprocessableEntity, "GET", o+"/members?limit=two", "eve", nil, "limit")
	c.refused(http.StatusUnprocessableEntity, "GET", o+"/members?after=garbage", "eve", nil, "cursor")

	// Adam makes Eve a viewer; her next request sees it.
	var changed memberJSON
	c.ok(http.StatusOK, &changed, "PUT", o+"/members/"+eve.ID+"/role", "adam", map[string]string{"role": "viewer"})
	assert.Equal(t, "viewer", changed.Role)
	assert.Equal(t, []string{"products.view", "members.view"}, changed.Permissions)
	assert.Equal(t, "viewer", members("eve")["eve"].Role)
	c.refused(http.StatusForbidden, "POST", o+"/invitations", "eve",
		map[string]string{"email": "x@acme.example", "role": "viewer"}, `needs "members.invite"`)

	// The pending list: resend gives a new link, cancel closes it.
	var vic sent
	c.ok(http.StatusCreated, &vic, "POST", o+"/invitations", "adam", map[string]string{"email": "vic@acme.example", "role": "viewer"})
	var pending struct {
		Invitations []invitationJSON `json:"invitations"`
	}
	c.refused(http.StatusForbidden, "GET", o+"/invitations", "eve", nil, `invite needs "members.invite", which the member lacks`)
	c.ok(http.StatusOK, &pending, "GET", o+"/invitations", "adam", nil)
	require.Len(t, pending.Invitations, 1)
	assert.Equal(t, "vic@acme.example", pending.Invitations[0].Email)
	assert.Equal(t, vic.Invitation.ID, pending.Invitations[0].ID)
	assert.False(t, pending.Invitations[0].Expired)
	var resent sent
	c.ok(http.StatusOK, &resent, "POST", o+"/invitations/"+vic.Invitation.ID.String()+"/resend", "adam", nil)
	assert.Equal(t, 1, resent.Invitation.Resends)
	assert.NotEqual(t, vic.token(t), resent.token(t))
	c.refused(http.StatusNotFound, "POST", "/invitations/accept", "vic",
		map[string]string{"token": vic.token(t), "email": "vic@acme.example"})
	c.refused(http.StatusNotFound, "DELETE", "/orgs/"+other.ID.String()+"/invitations/"+vic.Invitation.ID.String(), "zed", nil)
	c.ok(http.StatusNoContent, nil, "DELETE", o+"/invitations/"+vic.Invitation.ID.String(), "adam", nil)
	c.refused(http.StatusConflict, "DELETE", o+"/invitations/"+vic.Invitation.ID.String(), "adam", nil, "cancelled")
	c.refused(http.StatusConflict, "POST", "/invitations/accept", "vic",
		map[string]string{"token": resent.token(t), "email": "vic@acme.example"}, "cancelled")
	c.ok(http.StatusOK, &pending, "GET", o+"/invitations", "adam", nil)
	assert.Empty(t, pending.Invitations)

	// Deactivated, Eve keeps her membership but the product refuses her.
	var products struct {
		Products []struct{ SKU string } `json:"products"`
		CanEdit  bool                   `json:"can_edit"`
	}
	c.ok(http.StatusOK, &products, "GET", o+"/products", "eve", nil)
	assert.NotEmpty(t, products.Products)
	assert.False(t, products.CanEdit)
	var deactivated memberJSON
	c.ok(http.StatusOK, &deactivated, "POST", o+"/members/"+eve.ID+"/deactivate", "adam", nil)
	assert.Equal(t, "inactive", deactivated.Status)
	assert.Empty(t, deactivated.Permissions)
	c.refused(http.StatusForbidden, "GET", o+"/products", "eve", nil, "denied: the member is inactive")
	c.refused(http.StatusForbidden, "GET", o+"/members", "eve", nil, "inactive")
	c.ok(http.StatusOK, nil, "POST", o+"/members/"+eve.ID+"/deactivate", "adam", nil) // again: no change, no event
	c.ok(http.StatusOK, &deactivated, "POST", o+"/members/"+eve.ID+"/reactivate", "adam", nil)
	assert.Equal(t, "active", deactivated.Status)
	c.ok(http.StatusOK, &products, "GET", o+"/products", "eve", nil)

	// Only the owner transfers ownership; the previous owner becomes an admin.
	c.refused(http.StatusForbidden, "POST", o+"/transfer", "adam", map[string]string{"to": eve.ID}, "only the owner")
	c.refused(http.StatusUnprocessableEntity, "POST", o+"/transfer", "olga", map[string]string{"to": "adam"})
	c.refused(http.StatusNotFound, "POST", o+"/transfer", "olga", map[string]string{"to": zed.ID.String()})
	c.ok(http.StatusNoContent, nil, "POST", o+"/transfer", "olga", map[string]string{"to": adam.ID})
	ms = members("olga")
	assert.True(t, ms["adam"].Owner)
	assert.Equal(t, "owner", ms["adam"].Role)
	assert.False(t, ms["olga"].Owner)
	assert.Equal(t, "admin", ms["olga"].Role)
	c.refused(http.StatusForbidden, "POST", o+"/transfer", "olga", map[string]string{"to": eve.ID}, "only the owner")

	// Adam removes Eve: her next request is a non-member's.
	c.ok(http.StatusNoContent, nil, "DELETE", o+"/members/"+eve.ID, "adam", nil)
	c.refused(http.StatusNotFound, "GET", o+"/products", "eve", nil)
	c.refused(http.StatusNotFound, "DELETE", o+"/members/"+eve.ID, "adam", nil)

	// The audit log: one event per change, none for refusals or no-ops.
	var log struct {
		Events []store.Event `json:"events"`
		Next   int64         `json:"next"`
	}
	c.ok(http.StatusOK, &log, "GET", o+"/audit", "olga", nil)
	var types []store.EventType
	for i, e := range log.Events {
		assert.Equal(t, int64(i+1), e.Seq)
		types = append(types, e.Type)
	}
	assert.Equal(t, []store.EventType{
		store.OrgCreated,
		store.InvitationSent, store.InvitationAccepted, // Adam
		store.InvitationSent, store.InvitationAccepted, // Eve
		store.MemberRoleChanged,
		store.InvitationSent, store.InvitationResent, store.InvitationCancelled, // Vic
		store.MemberDeactivated, store.MemberReactivated,
		store.OwnerTransferred,
		store.MemberRemoved,
	}, types)
	assert.Zero(t, log.Next)
	last := log.Events[len(log.Events)-1]
	assert.Equal(t, "adam", last.Actor.UserID)
	assert.Equal(t, "eve", last.Target.UserID)
	transfer := log.Events[len(log.Events)-2]
	assert.Equal(t, "olga", transfer.Actor.UserID)
	assert.Equal(t, "adam", transfer.Target.UserID)

	// It pages by sequence number.
	c.ok(http.StatusOK, &log, "GET", o+"/audit?limit=5", "adam", nil)
	require.Len(t, log.Events, 5)
	assert.Equal(t, int64(5), log.Next)
	c.ok(http.StatusOK, &log, "GET", fmt.Sprintf("%s/audit?after=%d", o, log.Next), "adam", nil)
	require.Len(t, log.Events, len(types)-5)
	assert.Equal(t, int64(6), log.Events[0].Seq)
	c.refused(http.StatusUnprocessableEntity, "GET", o+"/audit?after=-1", "adam", nil, "sequence number")
}

// TestFail checks the answer to every sentinel of the rules, wrapped as the
// rules wrap them: its status and stable code come from store.ErrorCode,
// and a refusal says why while a missing or internal error says nothing.
func TestFail(t *testing.T) {
	for err, want := range map[error]int{
		member.ErrForbidden:        http.StatusForbidden,
		member.ErrInactive:         http.StatusForbidden,
		member.ErrOwnerProtected:   http.StatusForbidden,
		member.ErrSelf:             http.StatusForbidden,
		member.ErrEscalation:       http.StatusForbidden,
		invite.ErrEmailMismatch:    http.StatusForbidden,
		invite.ErrCodeRequired:     http.StatusForbidden,
		invite.ErrWrongCode:        http.StatusForbidden,
		invite.ErrCodeExhausted:    http.StatusForbidden,
		store.ErrNotFound:          http.StatusNotFound,
		store.ErrAlreadyMember:     http.StatusConflict,
		store.ErrAlreadyInvited:    http.StatusConflict,
		member.ErrSeatLimit:        http.StatusConflict,
		invite.ErrAlreadyUsed:      http.StatusConflict,
		invite.ErrAlreadyRequested: http.StatusConflict,
		invite.ErrExpired:          http.StatusConflict,
		invite.ErrCancelled:        http.StatusConflict,
		invite.ErrDeclined:         http.StatusConflict,
		invite.ErrNoLink:           http.StatusConflict,
		member.ErrInUse:            http.StatusConflict,
		store.ErrExists:            http.StatusConflict,
		store.ErrConflict:          http.StatusConflict,
		invite.ErrLocked:           http.StatusTooManyRequests,
		store.ErrInvalid:           http.StatusUnprocessableEntity,
		errors.New("disk on fire"): http.StatusInternalServerError,
	} {
		wrapped := fmt.Errorf("target %v: %w", uuid.Nil, err)
		rec := httptest.NewRecorder()
		fail(rec, wrapped)
		assert.Equal(t, want, rec.Code, "%v", err)
		var body errorBody
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, http.StatusText(want), body.Error)
		code, _ := store.ErrorCode(err)
		assert.Equal(t, code, body.Code, "%v", err)
		switch want {
		case http.StatusNotFound, http.StatusInternalServerError:
			assert.Empty(t, body.Reason, "%v: nothing leaks", err)
		default:
			assert.Equal(t, wrapped.Error(), body.Reason, "a refusal says why")
		}
	}
}

// lockedBuffer is a bytes.Buffer that serve writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe starts the command as main does, follows its first curl
// example, and stops it.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, &out, "127.0.0.1:0", filepath.Join(t.TempDir(), "demo.db")) }()
	var first string
	require.Eventually(t, func() bool {
		for line := range strings.Lines(out.String()) {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "curl -s -H 'X-User: olga' "); ok && strings.HasSuffix(u, "/members") {
				first = u
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	req, err := http.NewRequest("GET", first, nil)
	require.NoError(t, err)
	req.Header.Set("X-User", "olga")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var l memberList
	require.NoError(t, json.NewDecoder(res.Body).Decode(&l))
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, l.Members, 1)
	assert.True(t, l.Members[0].Owner)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
