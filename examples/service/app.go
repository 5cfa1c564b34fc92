package main

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/sqlstore/pgxv5"
	"github.com/rosterhq/roster/store"
)

// The service's permissions and roles.
const (
	ViewProjects access.Permission = iota
	EditProjects
	InviteMembers
	ManageMembers
	ManageKeys
)

var policy = access.MustPolicy(access.Spec{
	Permissions: []access.PermissionSpec{
		ViewProjects:  {Name: "projects.view"},
		EditProjects:  {Name: "projects.edit"},
		InviteMembers: {Name: "members.invite"},
		ManageMembers: {Name: "members.manage"},
		ManageKeys:    {Name: "keys.manage"},
	},
	Roles: []access.RoleSpec{
		{Name: "owner"},
		{Name: "admin", Permissions: access.SetOf(ViewProjects, EditProjects, InviteMembers, ManageMembers, ManageKeys)},
		{Name: "editor", Permissions: access.SetOf(ViewProjects, EditProjects)},
		{Name: "viewer", Permissions: access.SetOf(ViewProjects)},
	},
	Owner: "owner",
	Gates: map[access.Action]access.Permission{
		access.Invite:       InviteMembers,
		access.ChangeRole:   ManageMembers,
		access.ChangeStatus: ManageMembers,
		access.Remove:       ManageMembers,
		access.ManageKeys:   ManageKeys,
	},
})

// rosterPrefix is the prefix of roster's tables in the service's database.
const rosterPrefix = "roster_"

//go:embed migrations/*.sql
var migrations embed.FS

// config says where the service's database is.
type config struct {
	// DSN is the database as the service reaches it, through PgBouncer in
	// transaction pooling when Bouncer is set.
	DSN string
	// MigrateDSN is a direct connection for the migrations, whose tool
	// needs a session of its own; empty means DSN.
	MigrateDSN string
	// Bouncer says that DSN goes through PgBouncer in transaction pooling:
	// pgx then prepares nothing (default_query_exec_mode=exec), and
	// neither does roster (sqlstore.Options.NoPrepare).
	Bouncer bool
	// LinkKey seals invitation tokens for delivery from the feed (32
	// bytes).
	LinkKey []byte
	// JoinURL is the page where a signed-in user accepts an invitation.
	JoinURL string
}

// app is the service's state: the pgx pool, roster's store on the same
// pool through database/sql, and where invitation links point.
type app struct {
	pool *pgxpool.Pool
	db   *sql.DB
	s    *sqlstore.Store
	join string
}

// migrate applies roster's schema and then the service's own migrations
// with goose, each set with a version table of its own, on a direct
// connection: roster's first, since the service's tables refer to them.
// A later release of roster adds files after its last, which the first
// provider applies; the service's numbering is its own.
func migrate(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	schema, err := sqlstore.Schema(sqlstore.Postgres, rosterPrefix)
	if err != nil {
		return err
	}
	own, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	for _, set := range []struct {
		table string
		fsys  fs.FS
	}{
		{rosterPrefix + "goose_version", schema},
		{"goose_db_version", own},
	} {
		st, err := database.NewStore(goose.DialectPostgres, set.table)
		if err != nil {
			return err
		}
		p, err := goose.NewProvider("", db, set.fsys, goose.WithStore(st))
		if err != nil {
			return err
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrations of %s: %w", set.table, err)
		}
	}
	return nil
}

// open opens the service on cfg.DSN, which must be migrated.
func open(ctx context.Context, cfg config) (*app, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		return nil, err
	}
	if cfg.Bouncer {
		pcfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	// database/sql on the same pool, for roster's store.
	db := stdlib.OpenDBFromPool(pool)
	s, err := sqlstore.New(db, sqlstore.Postgres, store.Env{Policy: policy, LinkKey: cfg.LinkKey},
		sqlstore.Options{Prefix: rosterPrefix, NoPrepare: cfg.Bouncer})
	if err == nil {
		err = checkVersion(ctx, s)
	}
	if err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	return &app{pool: pool, db: db, s: s, join: cfg.JoinURL}, nil
}

// checkVersion refuses a database that the migrations have not brought
// up to the schema this build of roster knows.
func checkVersion(ctx context.Context, s *sqlstore.Store) error {
	applied, known, err := s.Version(ctx)
	if err != nil {
		return err
	}
	if applied != known {
		return fmt.Errorf("roster's schema is at version %d of %d: run the migrations", applied, known)
	}
	return nil
}

func (a *app) close() {
	a.s.Close()
	a.db.Close()
	a.pool.Close()
}

// inTx runs fn in a transaction of the pool, with roster's store bound to
// it, and commits if fn returns nil: the service's writes and roster's
// commit together or not at all.
func (a *app) inTx(ctx context.Context, fn func(tx pgx.Tx, s *sqlstore.Store) error) error {
	return pgx.BeginFunc(ctx, a.pool, func(tx pgx.Tx) error {
		return fn(tx, pgxv5.InTx(a.s, tx))
	})
}

// maxProjects is how many projects the plan allows an organisation.
const maxProjects = 3

// errQuota is the refusal of a project beyond the plan's.
var errQuota = errors.New("the plan's projects are all in use")
