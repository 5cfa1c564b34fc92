package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/rosterhq/roster/store"
)

// TestWithoutScript checks that the script is only an enhancement: with
// scripts disabled in the page, the wizard sends an invitation and the
// pending list shows its link in a field to copy by hand, without the copy
// button, which the script shows where it runs.
func TestWithoutScript(t *testing.T) {
	h := newHarness(t)
	org := h.org()

	withJS := h.as("nora@northwind.example")
	withJS.visit(org + "/invitations")
	withJS.submit(`button[aria-label="Show the link of the invitation to eve@northwind.example"]`)
	if eval[bool](withJS, `document.querySelector("button[data-copy]").hidden`) {
		t.Error("with the script, the copy button stays hidden")
	}

	nora := h.as("nora@northwind.example")
	nora.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	nora.visit(org + "/invite")
	nora.do(chromedp.SetValue(chromedp.ID("email"), "noscript@northwind.example"))
	for _, step := range []string{"#next", "#next", "#next", "#send"} {
		nora.submit(step)
		nora.pageIs("invite")
	}
	if !nora.has("#sent") {
		t.Fatal("no invitation sent without the script")
	}
	if _, err := h.db.PendingInvitation(h.ctx, h.d.Org.ID, store.ForMember, "noscript@northwind.example"); err != nil {
		t.Errorf("the invitation sent without the script: %v", err)
	}
	nora.visit(org + "/invitations")
	nora.submit(`button[aria-label="Show the link of the invitation to noscript@northwind.example"]`)
	if link := eval[string](nora, `document.getElementById("pending-link").value`); !strings.Contains(link, "/join?token=rinv_") {
		t.Errorf("the link field holds %q", link)
	}
	if !eval[bool](nora, `document.querySelector("button[data-copy]").hidden`) {
		t.Error("without the script, the copy button shows, and would do nothing")
	}
}
