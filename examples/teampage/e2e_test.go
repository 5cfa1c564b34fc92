package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

var update = flag.Bool("update", false, "write a screenshot of each tab to screenshots/")

// chromiumPath finds the distribution's Chromium. Missing, the browser tests
// skip, and fail under ROSTER_TEST_REQUIRE_DB=1 (CI), which .ci/run sets
// after installing it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("ROSTER_TEST_REQUIRE_DB") == "1" {
		t.Fatal("chromium is missing (apt-get install chromium), and ROSTER_TEST_REQUIRE_DB=1 requires it")
	}
	t.Skip("chromium is missing: apt-get install chromium")
	return ""
}

// harness is the page on SQLite behind a test server, the demo's people,
// and one headless Chromium in which each person browses in a browser
// context of their own (their own cookies).
type harness struct {
	t       *testing.T
	ctx     context.Context
	db      *sqlstore.Store
	d       *demo
	url     string
	browser context.Context
}

func newHarness(t *testing.T) *harness {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	db, err := open(ctx, filepath.Join(t.TempDir(), "team.db"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := seedDemo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(db)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 700),
	)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatal(err)
	}
	return &harness{t: t, ctx: ctx, db: db, d: d, url: srv.URL, browser: browser}
}

// visitor is one user's browser context.
type visitor struct {
	h   *harness
	ctx context.Context
}

// as opens a browser context of its own for a user, signed in (with the
// demo's form) when email is not "".
func (h *harness) as(email string) *visitor {
	h.t.Helper()
	ctx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	h.t.Cleanup(cancel)
	p := &visitor{h, ctx}
	p.do(chromedp.EmulateViewport(1000, 700))
	if email != "" {
		p.visit("/signin")
		p.do(chromedp.SetValue(chromedp.ID("email"), email))
		p.submit("#signin")
		if got := p.text("#signed-in"); got != email {
			h.t.Fatalf("signed in as %q, want %q", got, email)
		}
	}
	return p
}

func (p *visitor) do(steps ...chromedp.Action[chromedp.Void]) {
	p.h.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.h.t.Fatal(err)
	}
}

// visit opens a page of the server, or an absolute URL.
func (p *visitor) visit(path string) {
	p.h.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = p.h.url + path
	}
	p.do(chromedp.Navigate(path))
}

// submit clicks the button sel and waits for the page it leads to.
func (p *visitor) submit(sel string) {
	p.h.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(pageLoad, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		p.h.t.Fatalf("submit %s: %v", sel, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *visitor, js string) T {
	p.h.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.h.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// text returns the text of the first element that matches sel, or "" when
// none does.
func (p *visitor) text(sel string) string {
	p.h.t.Helper()
	return eval[string](p, fmt.Sprintf(`(e => e ? e.innerText.trim().replace(/\s+/g, " ") : "")(document.querySelector(%q))`, sel))
}

func (p *visitor) count(sel string) int {
	p.h.t.Helper()
	return eval[int](p, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

func (p *visitor) has(sel string) bool { p.h.t.Helper(); return p.count(sel) > 0 }

// pageIs fails unless the page shown is name, without a refusal.
func (p *visitor) pageIs(name string) {
	p.h.t.Helper()
	if got := eval[string](p, `document.body.dataset.page`); got != name {
		p.h.t.Fatalf("page %q, want %q (refusal: %q)", got, name, p.text("#refusal"))
	}
	if p.has("#refusal") {
		p.h.t.Fatalf("page %s refused: %s", name, p.text("#refusal"))
	}
}

// notice fails unless the page shows the notice of the change key.
func (p *visitor) notice(key string) {
	p.h.t.Helper()
	if got := eval[string](p, `(e => e ? e.dataset.ok : "")(document.getElementById("notice"))`); got != key {
		p.h.t.Fatalf("notice %q, want %q (refusal: %q)", got, key, p.text("#refusal"))
	}
}

func (h *harness) org() string { return "/orgs/" + h.d.Org.ID.String() }

// member reads a member from the store, by user.
func (h *harness) member(user string) store.Member {
	h.t.Helper()
	m, err := h.db.MemberByUser(h.ctx, h.d.Org.ID, user)
	if err != nil {
		h.t.Fatalf("member %s: %v", user, err)
	}
	return m
}

// events returns how many audit events the organisation has.
func (h *harness) events() int {
	h.t.Helper()
	es, err := h.db.Events(h.ctx, h.d.Org.ID, 0, store.MaxPageSize)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(es)
}

// screenshot writes the page as screenshots/name.png under -update.
func (p *visitor) screenshot(name string) {
	p.h.t.Helper()
	if !*update {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("screenshots", name+".png"), png, 0o644); err != nil {
		p.h.t.Fatal(err)
	}
}

// TestTeamPage follows the Team settings page through a browser, as people
// use it: an owner invites through the wizard, the invitee accepts the link
// in a browser of its own, an admin changes a role and scopes, a viewer sees
// no management control (and is refused in words when it posts anyway), and
// a partner is suspended and loses access. Each step checks what the page
// shows and what the store holds afterwards.
func TestTeamPage(t *testing.T) {
	h := newHarness(t)
	org := h.org()
	var link string

	t.Run("OwnerInvitesThroughWizard", func(t *testing.T) {
		h.t = t
		nora := h.as("nora@northwind.example")
		nora.visit(org + "/members")
		nora.pageIs("members")
		if got := nora.text("#seats"); !strings.Contains(got, "5 of 10") { // 4 members, Eve's invitation
			t.Errorf("seats %q, want 5 of 10", got)
		}
		nora.screenshot("members")
		nora.submit("#invite-button") // a link: the click loads the wizard
		nora.pageIs("invite")
		if got := nora.text(".steps [aria-current=step]"); got != "1. Who" {
			t.Fatalf("step %q, want 1. Who", got)
		}
		// A member already: the first step says so, in words.
		nora.do(chromedp.SetValue(chromedp.ID("email"), "ada@northwind.example"))
		nora.submit("#next")
		if got := nora.text("#refusal"); !strings.Contains(got, "That person is already a member.") {
			t.Errorf("inviting a member: %q", got)
		}
		nora.do(chromedp.SetValue(chromedp.ID("email"), "Eli@Northwind.example"), chromedp.SetValue(chromedp.ID("role"), "editor"))
		nora.screenshot("invite-who")
		nora.submit("#next")
		nora.pageIs("invite")
		if got := nora.text(".steps [aria-current=step]"); got != "2. Access" {
			t.Fatalf("step %q, want 2. Access", got)
		}
		// The access step starts from the role's modules: an editor edits all.
		for _, m := range modules {
			if !eval[bool](nora, fmt.Sprintf(`document.getElementById(%q).checked`, m.Key+"-edit")) {
				t.Errorf("%s: not defaulted to the editor's edit", m.Key)
			}
		}
		nora.do(chromedp.Click(chromedp.ID("assets-view"))) // assets: view only
		nora.submit("#next")
		nora.pageIs("invite")
		nora.do(chromedp.Click(chromedp.CSS(`input[value="market:de"]`)), chromedp.Click(chromedp.CSS(`input[value="set:summer-24"]`)))
		nora.submit("#next")
		nora.pageIs("invite")
		review := nora.text("#review")
		for _, want := range []string{"eli@northwind.example", "Editor", "Assets View Share Links View and edit", "Germany, Summer 24"} {
			if !strings.Contains(review, want) {
				t.Errorf("review %q lacks %q", review, want)
			}
		}
		nora.screenshot("invite-review")
		nora.submit("#send")
		nora.pageIs("invite")
		link = eval[string](nora, `document.getElementById("invite-link").value`)
		if !strings.HasPrefix(link, h.url+"/join?token=rinv_") {
			t.Fatalf("link %q", link)
		}

		inv, err := h.db.PendingInvitation(h.ctx, h.d.Org.ID, store.ForMember, "eli@northwind.example")
		if err != nil {
			t.Fatal(err)
		}
		if inv.Role != "editor" || inv.Deny != access.SetOf(EditAssets) || !inv.Allow.IsEmpty() ||
			!inv.Scopes.Equal(access.MustScopes("market:de", "set:summer-24")) || inv.InvitedBy.Member != h.d.Nora.ID {
			t.Errorf("stored invitation %+v", inv)
		}

		// The pending list shows it, with its expiry, and copies its link again.
		nora.visit(org + "/invitations")
		nora.pageIs("pending")
		row := nora.text(`tr[data-email="eli@northwind.example"]`)
		if !strings.Contains(row, "Editor") || !strings.Contains(row, "Expires in 7 days") || !strings.Contains(row, "by Nora") {
			t.Errorf("pending row %q", row)
		}
		nora.submit(`tr[data-email="eli@northwind.example"] button[aria-label^="Show the link"]`)
		if got := eval[string](nora, `document.getElementById("pending-link").value`); got != link {
			t.Errorf("copied link %q, want the sent one %q", got, link)
		}
		nora.screenshot("pending")

		// Resend Eve's invitation (a new link, a new expiry), then cancel it:
		// her seat comes free.
		eve, err := h.db.PendingInvitation(h.ctx, h.d.Org.ID, store.ForMember, "eve@northwind.example")
		if err != nil {
			t.Fatal(err)
		}
		nora.submit(`button[aria-label="Resend the invitation to eve@northwind.example"]`)
		nora.notice("resent")
		if again, err := h.db.Invitation(h.ctx, h.d.Org.ID, eve.ID); err != nil || again.Resends != 1 || again.TokenHash == eve.TokenHash {
			t.Errorf("after resend: %d resends, same token %v, %v", again.Resends, again.TokenHash == eve.TokenHash, err)
		}
		nora.submit(`button[aria-label="Cancel the invitation to eve@northwind.example"]`)
		nora.notice("cancelled")
		if nora.has(`tr[data-email="eve@northwind.example"]`) {
			t.Error("the cancelled invitation is still listed")
		}
		if got := nora.text("#seats"); !strings.Contains(got, "5 of 10") { // 4 members, Eli's invitation
			t.Errorf("seats after the cancel %q, want 5 of 10", got)
		}
		if inv, err := h.db.Invitation(h.ctx, h.d.Org.ID, eve.ID); err != nil || inv.Status != store.Cancelled {
			t.Errorf("Eve's invitation: %v, %v", inv.Status, err)
		}
	})

	t.Run("InviteeAcceptsInSecondBrowser", func(t *testing.T) {
		h.t = t
		if link == "" {
			t.Skip("no link: the wizard failed")
		}
		eli := h.as("") // a browser of Eli's own, not signed in
		eli.visit(link)
		eli.pageIs("join")
		if got := eli.text("#invitation"); !strings.Contains(got, "Nora invites eli@northwind.example") || !strings.Contains(got, "as Editor") {
			t.Errorf("join page %q", got)
		}
		eli.do(chromedp.SetValue(chromedp.ID("name"), "Eli"))
		eli.submit("#accept")
		eli.notice("joined")
		eli.pageIs("members")
		if got := eli.text("#signed-in"); got != "eli@northwind.example" {
			t.Errorf("signed in as %q", got)
		}
		if got := eli.text(`tr[data-email="eli@northwind.example"] .role`); got != "Editor" {
			t.Errorf("Eli's row: role %q", got)
		}
		m := h.member("eli@northwind.example")
		if m.Role != "editor" || m.Name != "Eli" || !m.Scopes.Equal(access.MustScopes("market:de", "set:summer-24")) ||
			!m.CanIn(EditProducts, "market:de", "set:summer-24") || m.CanIn(EditAssets, "market:de", "set:summer-24") ||
			!m.CanIn(ViewAssets, "market:de", "set:summer-24") || m.CanIn(ViewProducts, "market:fr") {
			t.Errorf("stored member %+v", m)
		}
		// The link is spent.
		eli.visit(link)
		if got := eli.text("#invitation ~ .refusal"); !strings.Contains(got, "accepted") {
			t.Errorf("the link again shows %q", got)
		}
	})

	t.Run("AdminChangesRoleAndScopes", func(t *testing.T) {
		h.t = t
		eliID := h.member("eli@northwind.example").ID.String()
		ada := h.as("ada@northwind.example")
		ada.visit(org + "/members")
		ada.submit(`tr[data-email="eli@northwind.example"] a`)
		ada.pageIs("member")
		ada.screenshot("member")
		ada.do(chromedp.SetValue(chromedp.ID("role"), "viewer"))
		ada.submit("#save-role")
		ada.notice("role")
		if got := ada.text("#fact-role"); got != "Viewer" {
			t.Errorf("role shown %q", got)
		}
		ada.do(chromedp.Click(chromedp.CSS(`input[value="market:fr"]`)), chromedp.Click(chromedp.CSS(`input[value="set:summer-24"]`)))
		ada.submit("#save-scopes")
		ada.notice("scopes")
		if got := ada.text("#fact-scopes"); got != "Germany, France" {
			t.Errorf("scopes shown %q", got)
		}
		m := h.member("eli@northwind.example")
		if m.Role != "viewer" || !m.Scopes.Equal(access.MustScopes("market:de", "market:fr")) ||
			!m.CanIn(ViewProducts, "market:fr", "set:core") || m.CanIn(EditProducts, "market:fr") {
			t.Errorf("stored member: role %q scopes %v", m.Role, m.Scopes)
		}
		if !strings.HasSuffix(eval[string](ada, `location.pathname`), eliID) {
			t.Errorf("left the member page")
		}

		// A refusal is shown in words: Ada may not change the owner's role
		// (the page offers no control for it; a crafted post is refused).
		before := h.events()
		status, body := h.post("ada@northwind.example", org+"/members/"+h.d.Nora.ID.String()+"/role", url.Values{"role": {"viewer"}})
		if status != http.StatusForbidden || !strings.Contains(body, "Only an ownership transfer changes the owner.") {
			t.Errorf("changing the owner's role: %d %s", status, excerpt(body))
		}
		if h.events() != before || h.member("nora@northwind.example").Role != "owner" {
			t.Error("a refused change changed something")
		}
	})

	t.Run("ViewerSeesNoManagementControls", func(t *testing.T) {
		h.t = t
		vic := h.as("vic@northwind.example")
		vic.visit(org + "/members")
		vic.pageIs("members")
		if vic.has("#invite-button") {
			t.Error("a viewer is offered the invite button")
		}
		if got := eval[[]string](vic, `[...document.querySelectorAll(".tabs a")].map(a => a.textContent)`); strings.Join(got, ",") != "Members,Content" {
			t.Errorf("a viewer's tabs: %v", got)
		}
		vic.submit(`tr[data-email="sam@northwind.example"] a`)
		vic.pageIs("member")
		if !vic.has("#read-only") {
			t.Error("the member page does not say it is read-only")
		}
		if n := vic.count(`main form[method=post], main select, main input:not([type=hidden])`); n != 0 {
			t.Errorf("a viewer's member page has %d controls", n)
		}
		if got := vic.text("#fact-commission_pct"); got != "12.5" {
			t.Errorf("Sam's commission shown %q", got)
		}
		for _, path := range []string{"/invite", "/invitations", "/requests", "/partners", "/audit"} {
			vic.visit(org + path)
			if got := eval[string](vic, `(e => e ? e.dataset.code : "")(document.getElementById("refusal"))`); got != "forbidden" {
				t.Errorf("%s: a viewer gets %q, want the forbidden refusal", path, got)
			}
		}
		if got := vic.text("#refusal"); !strings.Contains(got, "Your role does not allow this.") || !strings.Contains(got, "Read the audit log") {
			t.Errorf("the audit log's refusal reads %q", got)
		}

		// Posting anyway: refused in words, with the permission named, and
		// nothing changes.
		before := h.events()
		sam := h.member("sam@northwind.example")
		status, body := h.post("vic@northwind.example", org+"/members/"+sam.ID.String()+"/role", url.Values{"role": {"admin"}})
		if status != http.StatusForbidden || !strings.Contains(body, "Your role does not allow this.") || !strings.Contains(body, "Manage members") {
			t.Errorf("a viewer's role change: %d %s", status, excerpt(body))
		}
		if strings.Contains(body, "roster:") || strings.Contains(body, "member.") {
			t.Errorf("the refusal shows an internal error: %s", excerpt(body))
		}
		status, _ = h.post("vic@northwind.example", org+"/invite", url.Values{"step": {"review"}, "email": {"x@y.example"}, "role": {"viewer"},
			"products": {"view"}, "assets": {"view"}, "links": {"view"}})
		if status != http.StatusForbidden {
			t.Errorf("a viewer's invitation: %d", status)
		}
		if h.events() != before || h.member("sam@northwind.example").Role != "sales_rep" {
			t.Error("a viewer's refused posts changed something")
		}
	})

	t.Run("PartnerSuspendedLosesAccess", func(t *testing.T) {
		h.t = t
		// Alpine Retail's staff member Rex, whom the partnership will reach.
		rex, err := member.AddMember(h.ctx, h.db, h.d.Partner.ID, h.d.Rita.ID, member.NewMember{
			NewUser: member.NewUser{UserID: "rex@alpine.example", Email: "rex@alpine.example", Name: "Rex"}, Role: "viewer"})
		if err != nil {
			t.Fatal(err)
		}
		ada := h.as("ada@northwind.example")
		ada.visit(org + "/partners")
		ada.pageIs("partners")
		ada.do(chromedp.SetValue(chromedp.ID("partner-email"), "rita@alpine.example"), chromedp.SetValue(chromedp.ID("partner-level"), "viewer"),
			chromedp.Click(chromedp.CSS(`input[value="market:de"]`)), chromedp.Click(chromedp.CSS(`input[value="set:summer-24"]`)))
		ada.submit("#invite-partner")
		ada.pageIs("partners")
		plink := eval[string](ada, `document.getElementById("partner-link").value`)

		rita := h.as("rita@alpine.example")
		rita.visit(plink)
		rita.pageIs("partner-join")
		rita.submit("#accept-partner")
		if got := rita.text("#notice"); !strings.Contains(got, "now a partner") {
			t.Fatalf("accepting the partnership: %q (refusal %q)", got, rita.text("#refusal"))
		}

		rexB := h.as("rex@alpine.example")
		rexB.visit(org + "/content")
		rexB.pageIs("content")
		if got := eval[[]string](rexB, `[...document.querySelectorAll("#content .item")].map(e => e.textContent)`); strings.Join(got, ",") != "Trail jacket,Trail jacket lookbook,Summer 24 share link" {
			t.Errorf("the partner sees %v, want the summer set in Germany", got)
		}

		ada.visit(org + "/partners")
		if got := ada.text("#partners tbody tr"); !strings.Contains(got, "Alpine Retail") || !strings.Contains(got, "Germany, Summer 24") || !strings.Contains(got, "active") {
			t.Errorf("the partner's row %q", got)
		}
		ada.screenshot("partners")
		ada.submit("#partners tbody tr a")
		ada.pageIs("partner")
		ada.submit("#suspend")
		ada.notice("suspended")
		if got := ada.text("#fact-status"); got != "suspended" {
			t.Errorf("status shown %q", got)
		}

		rexB.visit(org + "/content")
		if rexB.has("#content") || !strings.Contains(rexB.text("#denied"), "the partnership is suspended") {
			t.Errorf("a suspended partner sees %q", rexB.text("main"))
		}
		pss, _, err := h.db.Partnerships(h.ctx, h.d.Org.ID, store.Page{})
		if err != nil || len(pss) != 1 || pss[0].Status != store.PartnerSuspended || pss[0].Level != "viewer" ||
			!pss[0].Scopes.Equal(access.MustScopes("market:de", "set:summer-24")) {
			t.Fatalf("stored partnerships %+v, %v", pss, err)
		}
		g, err := invite.Grant(h.ctx, h.db, h.d.Org.ID, rex.UserID)
		if err != nil || g.CanIn(ViewProducts, "market:de", "set:summer-24") {
			t.Errorf("a suspended partner's grant allows the summer set: %v", err)
		}

		// Resuming restores exactly what it had.
		ada.submit("#resume")
		ada.notice("resumed")
		rexB.visit(org + "/content")
		if got := rexB.count("#content .item"); got != 3 {
			t.Errorf("after resuming the partner sees %d items, want 3", got)
		}

		// Revoking ends it: the partner has no access at all.
		ada.do(chromedp.Click(chromedp.ID("confirm-revoke")))
		ada.submit("#revoke")
		ada.notice("revoked")
		if got := ada.text("#partners tbody"); got != "No partner yet." {
			t.Errorf("after revoking the list shows %q", got)
		}
		if pss, _, err := h.db.Partnerships(h.ctx, h.d.Org.ID, store.Page{}); err != nil || len(pss) != 0 {
			t.Errorf("after revoking: %d partnerships, %v", len(pss), err)
		}
		rexB.visit(org + "/content")
		if got := rexB.text("#denied"); !strings.Contains(got, "no partnership of yours reaches it") {
			t.Errorf("a revoked partner sees %q", got)
		}
	})

	t.Run("RequestsAndAudit", func(t *testing.T) {
		h.t = t
		nora := h.as("nora@northwind.example")
		nora.visit(org + "/requests")
		nora.pageIs("requests")
		nora.screenshot("requests")
		// Narrow Pat's request: no product editing.
		nora.do(chromedp.Click(chromedp.CSS(`input[value="products.edit"]`)))
		nora.submit(`button[aria-label="Accept the request of Pat"]`)
		nora.notice("approved")
		pat := h.member("pat@pixelunion.example")
		if pat.Kind != store.External || pat.Grant().Held() != access.SetOf(ViewProducts, ViewAssets) {
			t.Errorf("Pat: kind %v, holds %v", pat.Kind, pat.Grant().Held())
		}
		// A code that is not four digits: the browser says so before
		// sending, and the server refuses it in words if sent anyway.
		nora.do(chromedp.SetValue(chromedp.ID("code"), "12ab"))
		if eval[bool](nora, `document.getElementById("code").checkValidity()`) {
			t.Error("the browser takes 12ab as a code")
		}
		if status, body := h.post("nora@northwind.example", org+"/code", url.Values{"code": {"12ab"}}); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "The access code is four digits.") {
			t.Errorf("a bad code: %d %s", status, excerpt(body))
		}
		nora.do(chromedp.SetValue(chromedp.ID("code"), "4821"))
		nora.submit("#set-code")
		nora.notice("code")
		// Kim, from outside, asks for access: without the code, and with a
		// wrong one, the page says why not; with the code, the request waits.
		kim := h.as("kim@agency.example")
		kim.visit(org + "/request-access")
		kim.pageIs("ask")
		kim.do(chromedp.Click(chromedp.CSS(`input[value="products.view"]`)))
		kim.submit("#ask")
		if got := kim.text("#refusal"); !strings.Contains(got, "This organisation requires its access code.") {
			t.Errorf("without the code: %q", got)
		}
		kim.do(chromedp.SetValue(chromedp.ID("ask-code"), "1111"))
		kim.submit("#ask")
		if got := kim.text("#refusal"); !strings.Contains(got, "The access code is wrong.") {
			t.Errorf("a wrong code: %q", got)
		}
		kim.do(chromedp.SetValue(chromedp.ID("ask-code"), "4821"))
		kim.submit("#ask")
		if !kim.has("#asked") {
			t.Fatalf("the right code: %q", kim.text("#refusal"))
		}
		reqs, _, err := h.db.Requests(h.ctx, h.d.Org.ID, store.Asked, store.Page{})
		if err != nil || len(reqs) != 1 || reqs[0].UserID != "kim@agency.example" || reqs[0].Perms != access.SetOf(ViewProducts) {
			t.Errorf("open requests %+v, %v", reqs, err)
		}
		nora.visit(org + "/requests")
		nora.submit(`button[aria-label="Decline the request of kim"]`)
		nora.notice("declined")
		if nora.has("article.request") {
			t.Error("the declined request is still listed")
		}

		// Remove Sam; the audit log keeps his name.
		samPage := org + "/members/" + h.member("sam@northwind.example").ID.String()
		nora.visit(samPage)
		// Without the confirmation the browser holds the form back, and the
		// server refuses it in words.
		if eval[bool](nora, `document.getElementById("remove").form.checkValidity()`) {
			t.Error("the removal form is valid without its confirmation")
		}
		if status, body := h.post("nora@northwind.example", samPage+"/remove", nil); status != http.StatusUnprocessableEntity || !strings.Contains(body, "I understand") {
			t.Errorf("removal without confirmation: %d %s", status, excerpt(body))
		}
		nora.do(chromedp.Click(chromedp.ID("confirm-remove")))
		nora.submit("#remove")
		nora.notice("removed")
		nora.visit(org + "/audit")
		nora.pageIs("audit")
		if got := nora.text(`tr[data-type="member.removed"]`); !strings.Contains(got, "Nora") || !strings.Contains(got, "Sam") {
			t.Errorf("the removal's row %q", got)
		}
		if got := nora.text(`tr[data-type="member.profile_changed"] .target`); got != "Sam" {
			t.Errorf("Sam's earlier event names %q", got)
		}
		nora.screenshot("audit")
	})
}

// TestMemberLifecycle follows the member page's other controls in the
// browser: a Sales Rep's commission, deactivation (the member's own
// session then does nothing) and reactivation, removal is offered only with
// its confirmation, and ownership proposed by the owner and accepted by the
// admin in a browser of her own.
func TestMemberLifecycle(t *testing.T) {
	h := newHarness(t)
	org := h.org()
	ada := h.as("ada@northwind.example")
	sam := h.member("sam@northwind.example")

	ada.visit(org + "/members/" + sam.ID.String())
	ada.pageIs("member")
	if got := eval[string](ada, `document.getElementById("field-commission_pct").value`); got != "12.5" {
		t.Errorf("commission field %q", got)
	}
	ada.do(chromedp.SetValue(chromedp.ID("field-commission_pct"), "15"))
	ada.submit("#save-profile")
	ada.notice("profile")
	if got := ada.text("#fact-commission_pct"); got != "15" {
		t.Errorf("commission shown %q", got)
	}
	if v, _ := h.member(sam.UserID).Profile.Get("commission_pct"); v != "15" {
		t.Errorf("stored commission %q", v)
	}
	// The field is the Sales Rep's alone: a viewer's page has none.
	ada.visit(org + "/members/" + h.member("vic@northwind.example").ID.String())
	if ada.has("#field-commission_pct") || !ada.has("#field-phone") {
		t.Error("a viewer's profile offers the commission, or no phone")
	}
	// A commission the server cannot take is refused in words.
	if status, body := h.post("ada@northwind.example", org+"/members/"+sam.ID.String()+"/profile",
		url.Values{"name": {"Sam"}, "commission_pct": {"250"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "percentage from 0 to 100") {
		t.Errorf("a commission of 250: %d %s", status, excerpt(body))
	}

	// Deactivate Sam: his own session does nothing, his record stays.
	samB := h.as("sam@northwind.example")
	ada.visit(org + "/members/" + sam.ID.String())
	ada.submit("#deactivate")
	ada.notice("deactivated")
	if got := ada.text("#fact-status"); got != "inactive" {
		t.Errorf("status shown %q", got)
	}
	samB.visit(org + "/members")
	if got := eval[string](samB, `(e => e ? e.dataset.code : "")(document.getElementById("refusal"))`); got != "inactive" {
		t.Errorf("an inactive member's page: refusal %q", got)
	}
	if m := h.member(sam.UserID); m.Status != store.Inactive || m.Role != "sales_rep" {
		t.Errorf("stored: %v %s", m.Status, m.Role)
	}
	ada.submit("#reactivate")
	ada.notice("reactivated")
	if m := h.member(sam.UserID); m.Status != store.Active || m.Role != "sales_rep" || !m.Scopes.Equal(sam.Scopes) {
		t.Errorf("reactivated: %v %s %v", m.Status, m.Role, m.Scopes)
	}
	samB.visit(org + "/members")
	samB.pageIs("members")

	// Nobody changes their own status: Ada's own page offers no control for it.
	ada.visit(org + "/members/" + h.d.Ada.ID.String())
	if ada.has("#deactivate") || ada.has("#role") || ada.has("#remove") {
		t.Error("Ada's own page offers her own role, status or removal")
	}
	// The owner's page offers an admin nothing but the view.
	ada.visit(org + "/members/" + h.d.Nora.ID.String())
	if !ada.has("#read-only") {
		t.Error("the owner's page offers an admin controls")
	}

	// Ownership: Nora proposes Ada; Ada accepts from the members page.
	nora := h.as("nora@northwind.example")
	nora.visit(org + "/members/" + h.d.Ada.ID.String())
	nora.submit("#propose-transfer")
	nora.notice("proposed")
	if !nora.has("#cancel-transfer") {
		t.Error("no control to cancel the proposal")
	}
	ada.visit(org + "/members")
	if got := ada.text("#transfer-offer"); !strings.Contains(got, "Nora proposed you as the new owner") {
		t.Errorf("Ada's offer %q", got)
	}
	ada.submit("#accept-transfer")
	ada.notice("transferred")
	if got := ada.text(`tr[data-email="ada@northwind.example"] .role`); got != "Owner" {
		t.Errorf("Ada's role shown %q", got)
	}
	if a, n := h.member("ada@northwind.example"), h.member("nora@northwind.example"); a.Role != "owner" || n.Role != "admin" {
		t.Errorf("stored roles: Ada %s, Nora %s", a.Role, n.Role)
	}
}

// post sends a form as user (the demo's cookie) without a browser, as a
// crafted request would, and returns the status and the page.
func (h *harness) post(user, path string, form url.Values) (int, string) {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(h.url)
	jar.SetCookies(u, []*http.Cookie{{Name: userCookie, Value: user}})
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(h.url+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func excerpt(s string) string {
	if i := strings.Index(s, `id="refusal"`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// pageLoad is the event a page's load fires.
var pageLoad = page.LoadEventFired
