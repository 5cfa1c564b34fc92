package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/rosterhq/roster/invite"
)

// a11yProblems lists what the page lacks for assistive technology: a
// control without an accessible name, a button or link without text, a
// radio button or checkbox outside a fieldset with a legend, a duplicate id,
// a missing language, viewport or single h1.
const a11yProblems = `(() => {
	const bad = [];
	const named = el => (el.labels && [...el.labels].some(l => l.innerText.trim())) ||
		(el.getAttribute("aria-label") || "").trim() ||
		(el.getAttribute("aria-labelledby") || "").split(" ").some(id => id && document.getElementById(id) && document.getElementById(id).innerText.trim());
	for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
		if (!named(el)) bad.push("unlabelled " + el.outerHTML.slice(0, 90));
	}
	for (const el of document.querySelectorAll("button, a[href]")) {
		if (!el.innerText.trim() && !(el.getAttribute("aria-label") || "").trim() && !el.hidden) bad.push("no text " + el.outerHTML.slice(0, 90));
	}
	for (const el of document.querySelectorAll("input[type=radio], main fieldset input[type=checkbox]")) {
		const fs = el.closest("fieldset");
		if (!fs || !fs.querySelector("legend") || !fs.querySelector("legend").innerText.trim()) bad.push("ungrouped " + el.id);
	}
	const ids = {};
	for (const el of document.querySelectorAll("[id]")) {
		if (ids[el.id]) bad.push("duplicate id " + el.id);
		ids[el.id] = true;
	}
	if (!document.documentElement.lang) bad.push("no lang");
	if (!document.querySelector('meta[name=viewport][content*="width=device-width"]')) bad.push("no viewport");
	if (document.querySelectorAll("h1").length !== 1) bad.push(document.querySelectorAll("h1").length + " h1");
	return bad;
})()`

// TestAccessibility checks every tab in the browser: each control has an
// accessible name and each choice group a legend; at a phone's width (375
// px) no page scrolls sideways; the keyboard reaches the invite button in
// the order the page reads, with a visible focus; and the wizard's first
// step goes on with the Enter key.
func TestAccessibility(t *testing.T) {
	h := newHarness(t)
	org := h.org()
	sam := h.member("sam@northwind.example").ID.String()
	pages := []string{"/members", "/members/" + sam, "/invite", "/invitations", "/requests", "/partners", "/audit", "/content", "/request-access"}

	nora := h.as("nora@northwind.example")
	for _, width := range []int64{1000, 375} {
		nora.do(chromedp.EmulateViewport(width, 700))
		for _, p := range pages {
			nora.visit(org + p)
			if bad := eval[[]string](nora, a11yProblems); len(bad) > 0 {
				t.Errorf("%s at %d px: %v", p, width, bad)
			}
			if sw, iw := eval[int](nora, `document.documentElement.scrollWidth`), eval[int](nora, `window.innerWidth`); sw > iw {
				t.Errorf("%s at %d px scrolls sideways: %d px wide", p, width, sw)
			}
		}
	}
	nora.visit(org + "/members")
	nora.do(chromedp.EmulateViewport(375, 700))
	nora.visit(org + "/members")
	nora.screenshot("members-phone")

	// The join and sign-in pages, signed out.
	anon := h.as("")
	_, token, err := invite.Send(h.ctx, h.db, h.d.Org.ID, h.d.Nora.ID, invite.NewInvitation{Email: "lou@northwind.example", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/signin", "/join?token=" + token} {
		anon.visit(p)
		anon.pageIs(strings.TrimPrefix(strings.Split(p, "?")[0], "/"))
		if bad := eval[[]string](anon, a11yProblems); len(bad) > 0 {
			t.Errorf("%s: %v", p, bad)
		}
	}

	// Keyboard: Tab from the top reaches the invite button after the skip
	// link, the sign-out button and the tabs, and shows where the focus is.
	nora.do(chromedp.EmulateViewport(1000, 700))
	nora.visit(org + "/members")
	var order []string
	for range 20 {
		nora.do(chromedp.KeyEvent("\t"))
		id := eval[string](nora, `(e => e.id || e.innerText.trim())(document.activeElement)`)
		order = append(order, id)
		if id == "invite-button" {
			break
		}
	}
	want := "Skip to content,Sign out,Members,Invite,Pending invitations,Access requests,Partners,Audit log,Content,invite-button"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("tab order %s, want %s", got, want)
	}
	if style := eval[string](nora, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
		t.Error("the focused invite button shows no outline")
	}
	// Enter follows the focused link to the wizard; typing and Enter go on.
	if _, err := chromedp.Run(nora.ctx, chromedp.WaitEvent(pageLoad, nil, chromedp.KeyEvent("\r"))); err != nil {
		t.Fatal(err)
	}
	nora.pageIs("invite")
	nora.do(chromedp.Focus(chromedp.ID("email")), chromedp.KeyEvent("kim@northwind.example"))
	if _, err := chromedp.Run(nora.ctx, chromedp.WaitEvent(pageLoad, nil, chromedp.KeyEvent("\r"))); err != nil {
		t.Fatal(err)
	}
	nora.pageIs("invite")
	if got := nora.text(".steps [aria-current=step]"); got != "2. Access" {
		t.Errorf("after Enter the wizard shows %q, want 2. Access", got)
	}
}
