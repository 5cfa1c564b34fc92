package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
	"github.com/rosterhq/roster/store/storetest"
)

// The benchmarks compare roster's SQL paths with the least any
// implementation could do on the same database, in the same run, with 8
// concurrent clients:
//
//	go test ./sqlstore -run '^$' -bench . -benchmem
//
// (set ROSTER_TEST_POSTGRES for PostgreSQL; SQLite needs nothing.)

const clients = 8

// parallel runs body on clients goroutines, each given its own number.
func parallel(b *testing.B, body func(client int, pb *testing.PB)) {
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var next atomic.Int32
	b.RunParallel(func(pb *testing.PB) { body(int(next.Add(1)-1)%clients, pb) })
}

var benchDialects = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres}

// warm runs each of paths rounds times on each of the clients, before any
// timing: whichever sub-benchmark ran first would otherwise pay for what
// the other then finds ready (the pool's connections, each connection's
// prepared statements, the database's caches), and that is not what either
// costs per operation.
func warm(b *testing.B, rounds int, paths ...func(client, round int) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				for _, path := range paths {
					if err := path(c, r); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkAccept accepts invitations, each client in an organisation of
// its own, beside the floor: a transaction that locks the organisation's
// row and inserts two rows (the member and its event), the least any accept
// can cost.
func BenchmarkAccept(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.String(), func(b *testing.B) {
			ctx := context.Background()
			s, db := newStore(b, d, fixture.NewEnv(fixture.NewClock(), 9))
			orgs := make([]store.Org, clients)
			owners := make([]store.Member, clients)
			for i := range orgs {
				var err error
				orgs[i], owners[i], err = member.CreateOrg(ctx, s, member.NewOrg{Name: "org", Owner: member.NewUser{UserID: fmt.Sprint("owner", i), Email: fmt.Sprintf("o@%d.io", i)}})
				if err != nil {
					b.Fatal(err)
				}
			}
			type ticket struct {
				token string
				user  member.NewUser
			}
			// The i-th accept is in organisation i % clients, for the
			// floor as here: concurrent clients mostly work in different
			// organisations, and sometimes wait for one another.
			send := func(n int) []ticket {
				tickets := make([]ticket, n)
				for i := range tickets {
					c := i % clients
					run := prefixes.Add(1)
					u := member.NewUser{UserID: fmt.Sprintf("u%d-%d", run, i), Email: fmt.Sprintf("u%d-%d@x.io", run, i)}
					_, tok, err := invite.Send(ctx, s, orgs[c].ID, owners[c].ID, invite.NewInvitation{Email: u.Email, Role: "editor"})
					if err != nil {
						b.Fatal(err)
					}
					tickets[i] = ticket{tok, u}
				}
				return tickets
			}
			table := floorTable(b, db, d)
			lock := s.Dialect().Rebind(`SELECT id FROM ` + s.Prefix() + `orgs WHERE id = ?` + forUpdate(d))
			ins := s.Dialect().Rebind(`INSERT INTO ` + table + ` (id, org, v) VALUES (?, ?, ?)`)
			var seq atomic.Int64
			var writer sync.Mutex // as sqlstore serialises writers on SQLite
			floor := func(c int) error {
				org := dialectID(d, orgs[c].ID)
				if d == sqlstore.SQLite {
					writer.Lock()
					defer writer.Unlock()
				}
				return floorTx(ctx, db, lock, ins, org, &seq, d)
			}
			const rounds = 8
			early := send(clients * rounds)
			warm(b, rounds, func(c, r int) error {
				t := early[r*clients+c]
				_, err := invite.Accept(ctx, s, t.token, t.user)
				return err
			}, func(c, _ int) error { return floor(c) })
			b.Run("roster", func(b *testing.B) {
				tickets := send(b.N)
				var next atomic.Int64
				b.ResetTimer()
				parallel(b, func(_ int, pb *testing.PB) {
					for pb.Next() {
						t := tickets[next.Add(1)-1]
						if _, err := invite.Accept(ctx, s, t.token, t.user); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			b.Run("floor", func(b *testing.B) {
				var next atomic.Int64
				parallel(b, func(_ int, pb *testing.PB) {
					for pb.Next() {
						if err := floor(int((next.Add(1) - 1) % clients)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}

func forUpdate(d sqlstore.Dialect) string {
	if d == sqlstore.SQLite {
		return ""
	}
	return " FOR UPDATE"
}

func dialectID(d sqlstore.Dialect, id store.ID) any {
	if d == sqlstore.Postgres {
		return id.String()
	}
	return id[:]
}

// floorTx is the floor of an accept: lock one row, insert two.
func floorTx(ctx context.Context, db *sql.DB, lock, ins string, org any, seq *atomic.Int64, d sqlstore.Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id any
	if err := tx.QueryRowContext(ctx, lock, org).Scan(&id); err != nil {
		return err
	}
	for range 2 {
		var k [16]byte
		binary.BigEndian.PutUint64(k[8:], uint64(seq.Add(1)))
		if _, err := tx.ExecContext(ctx, ins, dialectID(d, store.ID(k)), org, "a row as wide as a member's"); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func floorTable(b *testing.B, db *sql.DB, d sqlstore.Dialect) string {
	name := fmt.Sprintf("floor%d", prefixes.Add(1))
	typ := map[sqlstore.Dialect]string{sqlstore.Postgres: "UUID", sqlstore.SQLite: "BLOB", sqlstore.MySQL: "BINARY(16)"}[d]
	if _, err := db.Exec(`CREATE TABLE ` + name + ` (id ` + typ + ` PRIMARY KEY, org ` + typ + ` NOT NULL, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	return name
}

// BenchmarkLookup looks members up by (organisation, user) among 10,000 and
// 1,000,000, beside the floor: a bare select of one row by primary key.
func BenchmarkLookup(b *testing.B) {
	for _, d := range benchDialects {
		for _, n := range []int{10_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/members=%d", d, n), func(b *testing.B) {
				ctx := context.Background()
				s, db := newStore(b, d, fixture.NewEnv(fixture.NewClock(), 10))
				bulkMembers(b, db, s, n)
				pick := func(i int) (store.ID, string, any) {
					k := (i * 7919) % n // a stride through the population
					return orgID(k / 10), fmt.Sprint("u", k), dialectID(d, memberID(k))
				}
				lookup := func(i int) error {
					org, user, _ := pick(i)
					m, err := s.MemberByUser(ctx, org, user)
					if err != nil {
						return err
					}
					if !m.Can(fixture.EditProducts) {
						return errors.New("an editor cannot edit")
					}
					return nil
				}
				q := d.Rebind(`SELECT id FROM ` + s.Prefix() + `members WHERE id = ?`)
				floor := func(i int) error {
					_, _, key := pick(i)
					var id []byte
					return db.QueryRowContext(ctx, q, key).Scan(&id)
				}
				// Not the keys timed below: the caches warm on what any
				// lookup reads, not on the rows to come.
				warm(b, 100, func(c, r int) error { return lookup(c*101 + r*7) }, func(c, r int) error { return floor(c*101 + r*7) })
				b.Run("roster", func(b *testing.B) {
					parallel(b, func(c int, pb *testing.PB) {
						for i := c * 1_000_003; pb.Next(); i++ {
							if err := lookup(i); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
				b.Run("floor", func(b *testing.B) {
					parallel(b, func(c int, pb *testing.PB) {
						for i := c * 1_000_003; pb.Next(); i++ {
							if err := floor(i); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			})
		}
	}
}

func orgID(i int) store.ID {
	var id store.ID
	binary.BigEndian.PutUint64(id[8:], uint64(i))
	id[0] = 0x01
	return id
}

func memberID(i int) store.ID {
	var id store.ID
	binary.BigEndian.PutUint64(id[8:], uint64(i))
	id[0] = 0x02
	return id
}

// bulkMembers inserts n editors in n/10 organisations with plain SQL: the
// rules would take minutes to add a million.
func bulkMembers(b *testing.B, db *sql.DB, s *sqlstore.Store, n int) {
	b.Helper()
	p := s.Prefix()
	var orgs, members string
	switch s.Dialect() {
	case sqlstore.Postgres:
		id := func(kind string) string { return `('` + kind + `' || lpad(to_hex(i), 30, '0'))::uuid` }
		orgs = `INSERT INTO ` + p + `orgs (id, name, seat_limit, pending_owner, created, updated)
			SELECT ` + strings.Replace(id("01"), "i)", "i)", 1) + `, 'org', 0, '00000000-0000-0000-0000-000000000000', 0, 0 FROM generate_series(0, $1 - 1) i`
		members = `INSERT INTO ` + p + `members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
			SELECT ` + id("02") + `, ('01' || lpad(to_hex(i / 10), 30, '0'))::uuid, 'u' || i, 'u' || i || '@x.io', '', 'editor', '', '', '', 1, 1, 0, '{}', 0, 0
			FROM generate_series(0, $1 - 1) i`
	case sqlstore.SQLite:
		orgs = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)
			INSERT INTO ` + p + `orgs (id, name, seat_limit, pending_owner, created, updated)
			SELECT unhex('01' || printf('%030x', i)), 'org', 0, zeroblob(16), 0, 0 FROM s`
		members = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)
			INSERT INTO ` + p + `members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
			SELECT unhex('02' || printf('%030x', i)), unhex('01' || printf('%030x', i / 10)), 'u' || i, 'u' || i || '@x.io', '', 'editor', '', '', '', 1, 1, 0, '{}', 0, 0 FROM s`
	}
	if _, err := db.Exec(orgs, n/10); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(members, n); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == sqlstore.Postgres {
		if _, err := db.Exec(`ANALYZE ` + p + `members`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFollow measures the change feed's latency: 8 clients add members
// to organisations of their own, as fast as they can ("busy") or each one a
// member every 10 ms ("paced"), while store.Follow hands the events to a
// handler, on the same Store ("local": woken by its commits) or on a second
// Store on another connection pool, as another process would ("remote":
// woken by its timer, FollowOptions' defaults). It reports the time from a
// unit of work's return to its event reaching the handler, median and 99th
// percentile, in µs; ns/op is the writers' cost per member added.
func BenchmarkFollow(b *testing.B) {
	for _, d := range benchDialects {
		for _, run := range []string{"busy/local", "busy/remote", "paced/local", "paced/remote"} {
			pace, where, _ := strings.Cut(run, "/")
			b.Run(d.String()+"/"+run, func(b *testing.B) {
				ctx := context.Background()
				env := store.Env{Policy: fixture.Policy()}
				s, _ := newStore(b, d, env)
				var follower store.Store = s
				if where == "remote" {
					r, err := sqlstore.New(openDB(b, d), d, env, sqlstore.Options{Prefix: s.Prefix()})
					if err != nil {
						b.Fatal(err)
					}
					follower = r
				}
				orgs := make([]store.Org, clients)
				owners := make([]store.Member, clients)
				for i := range orgs {
					var err error
					orgs[i], owners[i], err = member.CreateOrg(ctx, s, member.NewOrg{Name: "org", Owner: member.NewUser{UserID: fmt.Sprint("owner", i), Email: fmt.Sprintf("o@%d.io", i)}})
					if err != nil {
						b.Fatal(err)
					}
				}
				var committed, handled sync.Map // user → time
				fctx, stop := context.WithCancel(ctx)
				var seen atomic.Int64
				done := make(chan error, 1)
				go func() {
					done <- store.Follow(fctx, follower, "bench", store.FollowOptions{}, func(_ context.Context, evs []store.Event) error {
						now := time.Now()
						for _, e := range evs {
							if e.Type == store.MemberAdded {
								handled.Store(e.Target.UserID, now)
								seen.Add(1)
							}
						}
						return nil
					})
				}()
				var next atomic.Int64
				b.ResetTimer()
				parallel(b, func(c int, pb *testing.PB) {
					for pb.Next() {
						u := fmt.Sprintf("u%d", next.Add(1))
						if _, err := member.AddMember(ctx, s, orgs[c].ID, owners[c].ID, member.NewMember{Role: "viewer", NewUser: member.NewUser{UserID: u, Email: u + "@x.io"}}); err != nil {
							b.Error(err)
							return
						}
						committed.Store(u, time.Now())
						if pace == "paced" {
							time.Sleep(10 * time.Millisecond)
						}
					}
				})
				b.StopTimer()
				for deadline := time.Now().Add(30 * time.Second); seen.Load() < next.Load(); {
					if time.Now().After(deadline) {
						b.Fatalf("the follower saw %d events of %d", seen.Load(), next.Load())
					}
					time.Sleep(time.Millisecond)
				}
				stop()
				if err := <-done; !errors.Is(err, context.Canceled) {
					b.Fatal(err)
				}
				var lat []time.Duration
				committed.Range(func(k, v any) bool {
					h, _ := handled.Load(k)
					lat = append(lat, max(h.(time.Time).Sub(v.(time.Time)), 0))
					return true
				})
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			})
		}
	}
}

// BenchmarkCachedLookup is the request path through the request cache
// (Options.Cache), among 10,000 members of 1,000 organisations, on a hot
// set of 1,024 of them: MemberByUser+Can and invite.Grant+Can answered from
// memory, beside the same lookup without the cache and the floor of any
// in-memory answer, a bare Go map read.
func BenchmarkCachedLookup(b *testing.B) {
	const n, hot = 10_000, 1024
	for _, d := range benchDialects {
		b.Run(d.String(), func(b *testing.B) {
			ctx := context.Background()
			s, db := newStore(b, d, fixture.NewEnv(fixture.NewClock(), 10))
			bulkMembers(b, db, s, n)
			c, err := sqlstore.New(db, d, *s.Env(), sqlstore.Options{Prefix: s.Prefix(), Cache: &sqlstore.CacheOptions{}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			type key struct {
				org  store.ID
				user string
			}
			keys := make([]key, hot)
			floor := make(map[key]store.Member, hot)
			for i := range keys {
				k := i * (n / hot)
				keys[i] = key{orgID(k / 10), fmt.Sprint("u", k)}
				m, err := s.MemberByUser(ctx, keys[i].org, keys[i].user)
				if err != nil {
					b.Fatal(err)
				}
				floor[keys[i]] = m
			}
			byMember := func(st *sqlstore.Store) func(i int) error {
				return func(i int) error {
					k := keys[i%hot]
					m, err := st.MemberByUser(ctx, k.org, k.user)
					if err != nil {
						return err
					}
					if !m.Can(fixture.EditProducts) {
						return errors.New("an editor cannot edit")
					}
					return nil
				}
			}
			byGrant := func(i int) error {
				k := keys[i%hot]
				g, err := invite.Grant(ctx, c, k.org, k.user)
				if err != nil {
					return err
				}
				if !g.Can(fixture.EditProducts) {
					return errors.New("an editor cannot edit")
				}
				return nil
			}
			// Warm the cache until every hot lookup is a hit.
			for deadline := time.Now().Add(30 * time.Second); ; {
				misses := 0
				for i := range hot {
					before, _ := sqlstore.CacheStats(c)
					if err := byMember(c)(i); err != nil {
						b.Fatal(err)
					}
					if err := byGrant(i); err != nil {
						b.Fatal(err)
					}
					if after, _ := sqlstore.CacheStats(c); after > before {
						misses++
					}
				}
				if misses == 0 {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d lookups still miss the cache", misses, hot)
				}
				time.Sleep(10 * time.Millisecond)
			}
			run := func(name string, lookup func(int) error) {
				b.Run(name, func(b *testing.B) {
					parallel(b, func(cl int, pb *testing.PB) {
						for i := cl * 7919; pb.Next(); i++ {
							if err := lookup(i); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
			run("MemberByUser-cached", byMember(c))
			run("Grant-cached", byGrant)
			run("MemberByUser-uncached", byMember(s))
			run("floor", func(i int) error {
				m, ok := floor[keys[i%hot]]
				if !ok || !m.Can(fixture.EditProducts) {
					return errors.New("floor: not found")
				}
				return nil
			})
		})
	}
}

// BenchmarkCacheEntry reports the heap one entry of the request cache takes
// (B/entry), filled with 10,000 of a kind: a member (MemberByUser) or a
// grant (invite.Grant, which keeps the grant alone); ns/op is then a hit.
func BenchmarkCacheEntry(b *testing.B) {
	const n = 10_000
	d := sqlstore.SQLite
	ctx := context.Background()
	s, db := newStore(b, d, fixture.NewEnv(fixture.NewClock(), 10))
	bulkMembers(b, db, s, n)
	for _, kind := range []string{"member", "grant"} {
		b.Run(kind, func(b *testing.B) {
			c, err := sqlstore.New(db, d, *s.Env(), sqlstore.Options{Prefix: s.Prefix(), Cache: &sqlstore.CacheOptions{MaxStale: time.Hour, MaxEntries: 2 * n}})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			users := make([]string, n)
			for k := range users {
				users[k] = fmt.Sprint("u", k)
			}
			lookup := func(k int) error {
				if kind == "member" {
					_, err := c.MemberByUser(ctx, orgID(k/10), users[k])
					return err
				}
				_, err := invite.Grant(ctx, c, orgID(k/10), users[k])
				return err
			}
			for { // until the follower is fresh and entries are kept
				if err := lookup(0); err != nil {
					b.Fatal(err)
				}
				if _, e := sqlstore.CacheStats(c); e > 0 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, start := sqlstore.CacheStats(c)
			for k := 1; k < n; k++ {
				if err := lookup(k); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			_, entries := sqlstore.CacheStats(c)
			perEntry := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(entries-start)
			b.ResetTimer()
			for i := range b.N {
				if err := lookup(i % n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(perEntry, "B/entry")
		})
	}
}

// orgSizes are the sizes of the one organisation BenchmarkOrgSize works in.
var orgSizes = []int{10, 10_000, 100_000}

// BenchmarkOrgSize measures the writes of an organisation's life, and one
// page of its members, in one organisation of 10, 10,000 and 100,000
// members, with pending invitations for a tenth as many, and a seat limit,
// so that every send and accept counts the seats. Their cost must not grow
// with the organisation. On each dialect
// the three organisations, each in a store of its own, are seeded first,
// with SQL, and each operation is then measured in the three in turn:
//
//	go test ./sqlstore -run '^$' -bench OrgSize -benchmem
func BenchmarkOrgSize(b *testing.B) {
	for _, d := range benchDialects {
		b.Run(d.String(), func(b *testing.B) {
			ctx := context.Background()
			var sizes []storetest.OrgSize
			for _, n := range orgSizes {
				s, db := newStore(b, d, fixture.NewEnv(fixture.NewClock(), 11))
				org, owner, err := member.CreateOrg(ctx, s, member.NewOrg{Name: "big", Owner: member.NewUser{UserID: "owner", Email: "owner@big.io"}})
				if err != nil {
					b.Fatal(err)
				}
				seeding := time.Now()
				bulkOrgMembers(b, db, s, org.ID, n-1)
				bulkOrgInvitations(b, db, s, org.ID, max(n/10, 1))
				b.Logf("%s: seeded %d members and %d pending invitations with SQL in %v", d, n, max(n/10, 1), time.Since(seeding).Round(time.Millisecond))
				if _, err := member.SetSeatLimit(ctx, s, org.ID, member.MaxSeatLimit); err != nil {
					b.Fatal(err)
				}
				sizes = append(sizes, storetest.OrgSize{Members: n, S: s, Org: org.ID, Owner: owner.ID, Target: memberID(n / 2)})
			}
			storetest.OrgSizeOps(b, sizes)
		})
	}
}

// bulkOrgInvitations inserts n pending invitations for viewers into org
// with plain SQL, open for a week from the store's time, and counts them on
// the organisation.
func bulkOrgInvitations(b testing.TB, db *sql.DB, s *sqlstore.Store, org store.ID, n int) {
	b.Helper()
	p := s.Prefix()
	var q string
	switch s.Dialect() {
	case sqlstore.Postgres:
		q = `INSERT INTO ` + p + `invitations (id, org, kind, email, role, allow, deny, scopes, profile, invited_by, status, token_hash, ttl, sent, expires, resends, joined, created, updated)
			SELECT ('04' || lpad(to_hex(i), 30, '0'))::uuid, $2, 1, 'p' || i || '@big.io', 'viewer', '', '', '', '{}', '{}', 1,
				decode(lpad(to_hex(i), 64, '0'), 'hex'), 0, 0, $3, 0, '00000000-0000-0000-0000-000000000000', 0, 0
			FROM generate_series(0, $1 - 1) i`
	case sqlstore.SQLite:
		q = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)
			INSERT INTO ` + p + `invitations (id, org, kind, email, role, allow, deny, scopes, profile, invited_by, status, token_hash, ttl, sent, expires, resends, joined, created, updated)
			SELECT unhex('04' || printf('%030x', i)), ?, 1, 'p' || i || '@big.io', 'viewer', '', '', '', '{}', '{}', 1,
				unhex(printf('%064x', i)), 0, 0, ?, 0, zeroblob(16), 0, 0 FROM s`
	}
	expires := s.Env().Time().Add(7 * 24 * time.Hour).UnixMicro()
	if _, err := db.Exec(q, n, dialectID(s.Dialect(), org), expires); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(s.Dialect().Rebind(`UPDATE `+p+`orgs SET invited = invited + ? WHERE id = ?`), n, dialectID(s.Dialect(), org)); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == sqlstore.Postgres {
		if _, err := db.Exec(`ANALYZE ` + p + `invitations`); err != nil {
			b.Fatal(err)
		}
	}
}

// bulkOrgMembers inserts n editors into org with plain SQL, with IDs
// memberID(0) to memberID(n-1), and counts them on the organisation.
func bulkOrgMembers(b testing.TB, db *sql.DB, s *sqlstore.Store, org store.ID, n int) {
	b.Helper()
	p := s.Prefix()
	var q string
	switch s.Dialect() {
	case sqlstore.Postgres:
		q = `INSERT INTO ` + p + `members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
			SELECT ('02' || lpad(to_hex(i), 30, '0'))::uuid, $2, 'b' || i, 'b' || i || '@big.io', '', 'editor', '', '', '', 1, 1, 0, '{}', 0, 0
			FROM generate_series(0, $1 - 1) i`
	case sqlstore.SQLite:
		q = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)
			INSERT INTO ` + p + `members (id, org, user_id, email, name, role, allow, deny, scopes, status, kind, is_owner, profile, created, updated)
			SELECT unhex('02' || printf('%030x', i)), ?, 'b' || i, 'b' || i || '@big.io', '', 'editor', '', '', '', 1, 1, 0, '{}', 0, 0 FROM s`
	}
	if _, err := db.Exec(q, n, dialectID(s.Dialect(), org)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(s.Dialect().Rebind(`UPDATE `+p+`orgs SET staff = staff + ? WHERE id = ?`), n, dialectID(s.Dialect(), org)); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == sqlstore.Postgres {
		if _, err := db.Exec(`ANALYZE ` + p + `members`); err != nil {
			b.Fatal(err)
		}
	}
}
