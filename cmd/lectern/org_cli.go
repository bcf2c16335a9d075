package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lectern/lectern/identity"
	"github.com/lectern/lectern/internal/config"
	"github.com/lectern/lectern/internal/database"
)

const orgUsage = "usage: lectern org create --slug S --name N --admin-email E [--admin-password P]  (or LECTERN_ADMIN_PASSWORD)"
const userUsage = "usage: lectern user passwd --email E [--org SLUG]  (the password is read from LECTERN_PASSWORD)"

// orgCommand administers organizations directly in the database (system
// scope): `lectern org create` makes an organization and its first admin
// and prints {"org_id", "user_id"}.
func orgCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, orgUsage)
		return 2
	}
	fs := flag.NewFlagSet("org create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	slug := fs.String("slug", "", "organization slug (lower-case letters, digits, '-')")
	name := fs.String("name", "", "organization name")
	email := fs.String("admin-email", "", "first admin's email")
	password := fs.String("admin-password", "", "first admin's password (default: $LECTERN_ADMIN_PASSWORD)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *slug == "" || *name == "" || *email == "" {
		fmt.Fprintln(stderr, orgUsage)
		return 2
	}
	if *password == "" {
		*password = os.Getenv("LECTERN_ADMIN_PASSWORD")
	}
	return withSystemDB(ctx, stderr, func(db database.Querier) error {
		org, user, err := identity.NewStore(nil, db).CreateOrg(ctx, identity.NewOrg{Slug: *slug, Name: *name, AdminEmail: *email, AdminPassword: *password})
		if err != nil {
			return err
		}
		if *password == "" {
			fmt.Fprintf(stderr, "lectern: %s has no password yet: set one with LECTERN_PASSWORD=... lectern user passwd --email %s --org %s\n", *email, *email, *slug)
		}
		return json.NewEncoder(stdout).Encode(map[string]string{"org_id": org, "user_id": user})
	})
}

// userCommand administers users directly in the database: `lectern user
// passwd` sets a password read from LECTERN_PASSWORD (never from argv,
// which other local users can see).
func userCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "passwd" {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email")
	org := fs.String("org", "", "organization slug (needed when the address is in several)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *email == "" {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	pw := os.Getenv("LECTERN_PASSWORD")
	if pw == "" {
		fmt.Fprintln(stderr, "lectern: set the new password in LECTERN_PASSWORD")
		return 2
	}
	return withSystemDB(ctx, stderr, func(db database.Querier) error {
		id, err := identity.NewStore(nil, db).SetPassword(ctx, *email, *org, pw)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(map[string]string{"user_id": id})
	})
}

// withSystemDB runs fn on a system-scope pool of the configured database.
func withSystemDB(ctx context.Context, stderr io.Writer, fn func(database.Querier) error) int {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 2
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	defer db.Close()
	if err := fn(db); err != nil {
		fmt.Fprintln(stderr, "lectern:", err)
		return 1
	}
	return 0
}
