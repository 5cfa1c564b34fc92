package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// UserErased is the event that member.Erase writes in each organisation
// whose records it rewrote: the actor is the system, the target the
// pseudonym that now stands for the user.
const UserErased EventType = "user.erased"

// An Erasure says which personal data of one user Tx.Erase replaces, and
// with what: a user's ID, e-mails and display names, wherever the
// organisation's records keep them (audit events, which are also the feed;
// invitations; access requests; access-code attempts), are replaced by a
// pseudonym, the same for the user everywhere, so that attribution stays
// consistent ("erased-…" did this and that) and nothing personal remains.
// member.Erase builds it; its methods are the one place that decides what
// a record keeps, so that every store erases alike.
type Erasure struct {
	UserID    string
	Emails    map[string]bool // normalised
	Names     map[string]bool
	Pseudonym string // stands for UserID and each name
	Email     string // stands for each e-mail: Pseudonym@erased.invalid
}

// party replaces p if it is the user's (its user ID, or, for a party
// known by e-mail alone, an invitee, its e-mail), and reports whether it
// did. Another user's party stays, whatever its e-mail: an address the
// user gave up may be someone else's now.
func (er *Erasure) party(p *Party) bool {
	mine := p.UserID != "" && p.UserID == er.UserID || p.UserID == "" && p.Email != "" && er.Emails[p.Email]
	if p.System != "" || !mine {
		return false
	}
	if p.UserID != "" {
		p.UserID = er.Pseudonym
	}
	if p.Name != "" {
		p.Name = er.Pseudonym
	}
	if p.Email != "" {
		p.Email = er.Email
	}
	return true
}

// state replaces the user's e-mail in s, and a name of the user's where
// the event concerns the user (about), and reports whether it changed s.
func (er *Erasure) state(s *State, about bool) bool {
	changed := false
	if s.Email != "" && er.Emails[s.Email] {
		s.Email, changed, about = er.Email, true, true
	}
	if about && s.Name != "" && er.Names[s.Name] {
		s.Name, changed = er.Pseudonym, true
	}
	return changed
}

// Event replaces the user's data in e, and reports whether it changed e:
// the actor and the target where they are the user, the e-mails of the
// user in its states, and its names in the states of an event about the
// user (an organisation or role name that happens to be the user's name
// goes too, in such an event).
func (er *Erasure) Event(e *Event) bool {
	a := er.party(&e.Actor)
	t := er.party(&e.Target)
	b := er.state(&e.Before, a || t)
	c := er.state(&e.After, a || t)
	return a || t || b || c
}

// Invitation replaces the user's data in inv (the invitee's e-mail, the
// inviter), and reports whether it changed inv. A pending invitation to
// the user's e-mail is cancelled at now: nobody can accept it as the user
// any more.
func (er *Erasure) Invitation(inv *Invitation, now time.Time) bool {
	changed := er.party(&inv.InvitedBy)
	if er.Emails[inv.Email] {
		inv.Email, changed = er.Email, true
		if inv.Status == Pending {
			inv.Status, inv.Sealed = Cancelled, nil
		}
	}
	if changed {
		inv.Updated = now
	}
	return changed
}

// Request replaces the user's data in r (the requester, its message, who
// decided) if the user made it or decided it, and reports whether it
// changed r.
func (er *Erasure) Request(r *Request, now time.Time) bool {
	changed := er.party(&r.DecidedBy)
	if r.UserID == er.UserID {
		r.UserID, r.Email, r.Message, changed = er.Pseudonym, er.Email, "", true
		if r.Name != "" {
			r.Name = er.Pseudonym
		}
	}
	if changed {
		r.Updated = now
	}
	return changed
}

// Learn adds to er the e-mails and names that e shows of the user: those
// of a party that is the user, and those of the member's states of an
// event whose target is the user (an e-mail changed, a display name
// changed). It
// reports whether it found the user in e.
func (er *Erasure) Learn(e *Event) bool {
	found := false
	for _, p := range []*Party{&e.Actor, &e.Target} {
		if p.System == "" && p.UserID != "" && p.UserID == er.UserID {
			found = true
			er.add(p.Email, p.Name)
		}
	}
	if e.Target.System != "" || e.Target.UserID == "" || e.Target.UserID != er.UserID {
		return found
	}
	// The states of these events are the target's own (rule.Snapshot);
	// an ownership transfer's Before is the previous owner's.
	switch {
	case strings.HasPrefix(string(e.Type), "member.") || e.Type == InvitationAccepted || e.Type == RequestApproved:
		er.add(e.Before.Email, e.Before.Name)
		er.add(e.After.Email, e.After.Name)
	case e.Type == OwnerTransferred:
		er.add(e.After.Email, e.After.Name)
	}
	return found
}

func (er *Erasure) add(email, name string) {
	if email != "" {
		er.Emails[email] = true
	}
	if name != "" {
		er.Names[name] = true
	}
}

// Records rewrites, through tx, what er changes of the organisation's
// invitations and access requests (invs and reqs, their IDs in the order
// to visit them) and clears the user's access-code attempts, and returns
// how many records it wrote: the part of Tx.Erase that every store does
// alike through the contract. The events, which a store keeps its own
// way, are the store's to rewrite.
func (er *Erasure) Records(ctx context.Context, tx Tx, invs, reqs []ID) (int, error) {
	n, now := 0, tx.Now()
	for _, id := range invs {
		inv, err := tx.Invitation(ctx, id)
		if err != nil {
			return 0, err
		}
		if er.Invitation(&inv, now) {
			if err := tx.PutInvitation(ctx, inv); err != nil {
				return 0, err
			}
			n++
		}
	}
	for _, id := range reqs {
		r, err := tx.Request(ctx, id)
		if err != nil {
			return 0, err
		}
		if er.Request(&r, now) {
			if err := tx.PutRequest(ctx, r); err != nil {
				return 0, err
			}
			n++
		}
	}
	a, err := tx.CodeAttempt(ctx, er.UserID)
	if errors.Is(err, ErrNotFound) {
		return n, nil
	}
	if err != nil {
		return 0, err
	}
	if err := tx.PutCodeAttempt(ctx, CodeAttempt{Org: a.Org, UserID: a.UserID}); err != nil {
		return 0, err
	}
	return n + 1, nil
}
