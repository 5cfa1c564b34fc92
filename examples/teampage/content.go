package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

// An item is a piece of the product's content, in one market and one set:
// what the permissions and scopes guard.
type item struct {
	Module        module
	Name          string
	Market, Set   string
	CanView, Edit bool
}

// catalogue is the demo's content. A real host reads its own.
var catalogue = []struct {
	module      int
	name        string
	market, set string
}{
	{0, "Trail jacket", "market:de", "set:summer-24"},
	{0, "Rain shell", "market:fr", "set:core"},
	{0, "Down parka", "market:us", "set:outlet"},
	{1, "Trail jacket lookbook", "market:de", "set:summer-24"},
	{1, "Core range photos", "market:fr", "set:core"},
	{2, "Summer 24 share link", "market:de", "set:summer-24"},
}

type contentView struct {
	Source string // member, collaborator or partner
	Items  []item
	Denied string // why nothing is shown, if nothing is
}

// GET /orgs/{org}/content: the content the signed-in user may see, as a
// member of the organisation or through a partnership of its own
// organisation (invite.Grant). A partner whose partnership is suspended or
// revoked sees nothing.
func (s *server) content(w http.ResponseWriter, r *http.Request) {
	user, _ := userOf(r)
	if user == "" {
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	orgID, err := uuid.Parse(r.PathValue("org"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	org, err := s.db.Org(r.Context(), orgID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	v := &view{Title: "Content of " + org.Name, Tab: "content"}
	var c *reqCtx
	if me, err := s.db.MemberByUser(r.Context(), orgID, user); err == nil {
		c = &reqCtx{Org: org, Me: me, User: user}
	} else {
		v.Org = &org
	}
	g, err := invite.Grant(r.Context(), s.db, orgID, user)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, c, "content", v, &contentView{Denied: "You have no access to this organisation: you are not a member, and no partnership of yours reaches it."})
		return
	}
	if err != nil {
		s.fail(w, r, c, err)
		return
	}
	cv := &contentView{Source: g.Source().String()}
	for _, it := range catalogue {
		m := modules[it.module]
		if g.CanIn(m.View, it.market, it.set) {
			cv.Items = append(cv.Items, item{Module: m, Name: it.name, Market: it.market, Set: it.set,
				CanView: true, Edit: g.CanIn(m.Edit, it.market, it.set)})
		}
	}
	if len(cv.Items) == 0 {
		first := catalogue[0]
		cv.Denied = "You see no content: " + sentence(g.Explain(modules[first.module].View, first.market, first.set))
	}
	s.render(w, r, c, "content", v, cv)
}

// sentence turns a Decision's explanation into a sentence for people.
func sentence(d access.Decision) string {
	t := d.String()
	t = strings.TrimPrefix(strings.TrimPrefix(t, "denied: "), "allowed: ")
	return t + "."
}
