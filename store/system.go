package store

import "github.com/rosterhq/roster/access"

// SystemMember returns the member that the host's system principal name
// acts as in org, once member.AsSystem put it in the context of a rule: no
// record and no ID, active, with the owner's reach under policy p. Its
// Party names the principal (Party.System), so that audit events record
// the system as the actor. The rules load it in place of a member actor
// and never write it; a host has no use for it.
func SystemMember(p *access.Policy, org ID, name string) Member {
	m := Member{Org: org, Role: p.Owner().Name, Status: Active, Kind: Staff, system: name}
	Resolve(p, &m, access.Set{})
	return m
}

// System returns the name of the system principal m stands for
// (SystemMember), or "" for a member.
func (m *Member) System() string { return m.system }

// IsSystem reports whether the party is the host's system principal.
func (p Party) IsSystem() bool { return p.System != "" }

// String returns how an audit log shows the party: "system:support" for the
// system, else the name and e-mail, the user ID, or the member's ID.
func (p Party) String() string {
	switch {
	case p.System != "":
		return "system:" + p.System
	case p.Name != "" && p.Email != "":
		return p.Name + " <" + p.Email + ">"
	case p.Email != "":
		return p.Email
	case p.Name != "":
		return p.Name
	case p.UserID != "":
		return p.UserID
	case p.Member != ID{}:
		return p.Member.String()
	case p.Org != ID{}:
		return "org " + p.Org.String()
	}
	return "system"
}
