package invite_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/store"
)

func FuzzHashToken(f *testing.F) {
	f.Add("rinv_" + strings.Repeat("A", 43))
	f.Add("rinv_")
	f.Add("rkey_" + strings.Repeat("A", 43))
	f.Add("rinv_" + strings.Repeat("/", 43))
	f.Fuzz(func(t *testing.T, token string) {
		h, err := invite.HashToken(token)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		// Only tokens of the right form hash, and the hash is stable.
		if !strings.HasPrefix(token, invite.TokenKind+"_") || len(token) != 48 {
			t.Fatalf("%q accepted as a token", token)
		}
		if again, _ := invite.HashToken(token); again != h {
			t.Fatal("the hash of a token changed")
		}
	})
}

func FuzzLink(f *testing.F) {
	f.Add("https://app.example.com/join", "rinv_x")
	f.Add("https://app.example.com/join?src=mail#top", "rinv_y")
	f.Add("relative/path", "t")
	f.Add("://", "t")
	f.Fuzz(func(t *testing.T, base, token string) {
		link, err := invite.Link(base, token)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("Link made %q, which does not parse: %v", link, err)
		}
		if got := u.Query().Get("token"); got != token {
			t.Fatalf("the link carries token %q, not %q", got, token)
		}
	})
}
