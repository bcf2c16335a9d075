package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/lectern/lectern/internal/database"
	"github.com/lectern/lectern/xapi"
)

const lrsUsage = "usage: lectern lrs credentials create --name N [--org SLUG] [--scopes all,statements/write,...]"

// lrsCommand administers the LRS directly in the database: `lectern lrs
// credentials create` makes an xAPI credential of an organization (the
// first one when --org is not given) and prints it, secret included, as
// one JSON object.
func lrsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "credentials" || args[1] != "create" {
		fmt.Fprintln(stderr, lrsUsage)
		return 2
	}
	fs := flag.NewFlagSet("lrs credentials create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "what the credential is for")
	org := fs.String("org", "", "organization slug (default: the first organization)")
	scopes := fs.String("scopes", xapi.ScopeAll, "comma-separated scopes: "+strings.Join(xapi.AllScopes, ", "))
	if err := fs.Parse(args[2:]); err != nil || fs.NArg() > 0 || strings.TrimSpace(*name) == "" {
		fmt.Fprintln(stderr, lrsUsage)
		return 2
	}
	list := strings.Split(*scopes, ",")
	if !xapi.ValidScopes(list) {
		fmt.Fprintf(stderr, "lectern: scopes must be among %s\n", strings.Join(xapi.AllScopes, ", "))
		return 2
	}
	return withSystemDB(ctx, stderr, func(db database.Querier) error {
		var orgID string
		err := db.QueryRow(ctx, `select id from organizations where $1 = '' or slug = $1 order by created_at, id limit 1`, *org).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no organization %q", *org)
		}
		if err != nil {
			return err
		}
		cred, err := xapi.CreateCredentialIn(ctx, db, orgID, strings.TrimSpace(*name), list)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(cred)
	})
}
