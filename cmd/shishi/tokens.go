package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

func tokenCommands() []command {
	return []command{
		{"issue", "issue an API token for a user; the secret is shown once", cmdTokenIssue},
		{"list", "list API tokens, of one user or of all (never their secrets)", cmdTokenList},
		{"revoke", "revoke an API token by its ID", cmdTokenRevoke},
	}
}

// cmdToken manages API tokens (API令牌) from the shell, for scripts and
// for federation between instances. Like "shishi user", whoever runs it
// holds the database; the token is still checked against its owner
// (auth.CheckAPIToken), since it acts as the owner, narrowed.
func cmdToken(ctx context.Context, env *cliEnv, args []string) int {
	return env.dispatchGroup(ctx, "token", tokenCommands(),
		fmt.Sprintf("\nRights a token may carry (a subset of its owner's): %s\n", tokenRightList()), args)
}

// tokenRightList names the rights a token may carry at all.
func tokenRightList() string {
	var names []string
	for _, r := range auth.Rights() {
		forbidden := false
		for _, f := range auth.TokenForbidden {
			forbidden = forbidden || f == r
		}
		if !forbidden && r != auth.Public {
			names = append(names, r.String())
		}
	}
	return strings.Join(names, ", ")
}

// parseRights reads a comma-separated list of rights.
func parseRights(s string) ([]auth.Right, error) {
	var out []auth.Right
	for _, name := range strings.Split(s, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		r, err := auth.ParseRight(name)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New("no rights given")
	}
	return out, nil
}

// parseExpiry reads when a token expires: a lifetime in days ("90d") or
// as a Go duration ("36h"), or a date (2026-06-30), which means the end of
// that day in China, the day people read it in.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a number of days such as 90d", s)
		}
		return now.Add(time.Duration(n) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a positive lifetime", s)
		}
		return now.Add(d), nil
	}
	day, err := time.ParseInLocation("2006-01-02", s, beijing)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want days (90d), a duration (36h) or a date (2026-06-30)", s)
	}
	return day.AddDate(0, 0, 1), nil
}

// tokenAudit is what the audit trail keeps of a token: never its secret
// or hash.
type tokenAudit struct {
	ID        string   `json:"id"`
	User      string   `json:"user"`
	Name      string   `json:"name"`
	Rights    []string `json:"rights"`
	Region    string   `json:"region,omitempty"`
	ExpiresAt string   `json:"expires_at"`
	RevokedAt string   `json:"revoked_at,omitempty"`
}

func tokenJSON(t *auth.APIToken, username string) (json.RawMessage, error) {
	if t == nil {
		return nil, nil
	}
	a := tokenAudit{ID: t.ID, User: username, Name: t.Name, Rights: rightNames(t.Rights), Region: t.Region,
		ExpiresAt: t.ExpiresAt.UTC().Format(time.RFC3339)}
	if !t.RevokedAt.IsZero() {
		a.RevokedAt = t.RevokedAt.UTC().Format(time.RFC3339)
	}
	return json.Marshal(a)
}

func rightNames(rs []auth.Right) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// auditToken appends a TokenIssued or TokenRevoked entry, filed under the
// token's region (its owner's scope when the token has none), so that
// the auditors of that region see it.
func auditToken(ctx context.Context, st *store.Store, actor string, now time.Time, action audit.Action, owner auth.User, before, after *auth.APIToken) error {
	b, err := tokenJSON(before, owner.Username)
	if err != nil {
		return err
	}
	a, err := tokenJSON(after, owner.Username)
	if err != nil {
		return err
	}
	reg := after.Region
	if reg == "" {
		reg = owner.Principal().Scope().Region
	}
	_, err = st.AppendAudit(ctx, audit.Entry{
		At: now, Actor: actor, Region: reg, Action: action,
		Object: "users/" + owner.Username + "/tokens/" + after.ID, Before: b, After: a,
	})
	return err
}

func cmdTokenIssue(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "token issue", "USERNAME --name NAME --rights RIGHT,... [--region CODE] [--expires 90d]")
	var sf storeFlags
	sf.register(fs, env)
	name := fs.String("name", "", "what the token is for (\"省平台上报脚本\")")
	rightsFlag := fs.String("rights", "", "comma-separated rights, a subset of the owner's: "+tokenRightList())
	regionCode := fs.String("region", "", "narrow the token to this unit within the owner's scope (GB/T 2260 code); default the whole scope")
	expires := fs.String("expires", "90d", "lifetime in days (90d) or as a duration (36h), or the last day (2026-06-30, China time); at most 366 days")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 1 || *name == "" || *rightsFlag == "" {
		fs.Usage()
		return exitUsage
	}
	rights, err := parseRights(*rightsFlag)
	if err != nil {
		return fail(env, "--rights: %v", err)
	}
	now := env.now()
	until, err := parseExpiry(*expires, now)
	if err != nil {
		return fail(env, "--expires: %v", err)
	}
	st, tree, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	u, err := st.UserByUsername(ctx, pos[0])
	if errors.Is(err, store.ErrNotFound) {
		return fail(env, "no user %q", pos[0])
	} else if err != nil {
		return fail(env, "%v", err)
	}
	if u.Disabled {
		// Its tokens would be refused anyway (store.APITokenByToken).
		return fail(env, "user %s is disabled: enable it first", u.Username)
	}
	if *regionCode != "" {
		if _, ok := tree.Get(*regionCode); !ok {
			return fail(env, "--region: unknown region code %q", *regionCode)
		}
	}
	secret, tok, err := auth.NewAPIToken(tree, u.Principal(), now, *name, rights, *regionCode, until)
	if err != nil {
		return fail(env, "user %s: %v", u.Username, err)
	}
	if err := st.CreateAPIToken(ctx, tok); err != nil {
		return fail(env, "%v", err)
	}
	if err := auditToken(ctx, st, env.operator(), now, audit.TokenIssued, u, nil, &tok); err != nil {
		return fail(env, "token %s issued, but its audit entry failed: %v", tok.ID, err)
	}
	// The description goes to stderr and the secret alone to stdout, so
	// that a script can capture it: TOKEN=$(shishi token issue ...).
	fmt.Fprintf(env.stderr, "token %s issued to %s (%s): %s, %s, expires %s\n", tok.ID, u.Username, tok.Name,
		strings.Join(rightNames(tok.Rights), ","), tokenRegion(tree, u, tok), tok.ExpiresAt.In(beijing).Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(env.stderr, "令牌仅显示这一次，请妥善保存。 The secret below is shown only this once; send it as \"Authorization: Bearer <secret>\".\n")
	fmt.Fprintln(env.stdout, secret)
	return exitOK
}

// tokenRegion describes where a token acts: its region, or its owner's
// whole scope.
func tokenRegion(tree *region.Tree, u auth.User, t auth.APIToken) string {
	if t.Region == "" {
		return "scope of " + boundTo(tree, u)
	}
	if d, ok := tree.Get(t.Region); ok {
		return t.Region + " " + d.Name
	}
	return t.Region
}

func tokenStatus(t auth.APIToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked " + t.RevokedAt.In(beijing).Format("2006-01-02 15:04")
	case !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

func cmdTokenList(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "token list", "[USERNAME]")
	var sf storeFlags
	sf.register(fs, env)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	st, _, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	var users []auth.User
	if len(pos) == 1 {
		u, err := st.UserByUsername(ctx, pos[0])
		if errors.Is(err, store.ErrNotFound) {
			return fail(env, "no user %q", pos[0])
		} else if err != nil {
			return fail(env, "%v", err)
		}
		users = []auth.User{u}
	} else if users, err = st.ListUsers(ctx, region.CountryCode); err != nil {
		return fail(env, "%v", err)
	}
	now := env.now()
	day := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.In(beijing).Format("2006-01-02 15:04")
	}
	rows := [][]string{{"ID", "USER", "NAME", "RIGHTS", "REGION", "CREATED", "EXPIRES", "STATUS", "LAST USED"}}
	n := 0
	// One query per user: the store lists tokens by owner, and an
	// operator's listing of every account is rare and small.
	for _, u := range users {
		toks, err := st.ListAPITokens(ctx, u.ID)
		if err != nil {
			return fail(env, "%v", err)
		}
		for _, t := range toks {
			reg := t.Region
			if reg == "" {
				reg = "(scope) " + u.Principal().Scope().Region
			}
			rows = append(rows, []string{t.ID, u.Username, t.Name, strings.Join(rightNames(t.Rights), ","), reg,
				day(t.CreatedAt), day(t.ExpiresAt), tokenStatus(t, now), day(t.LastUsed)})
			n++
		}
	}
	writeColumns(env.stdout, rows)
	fmt.Fprintf(env.stderr, "%d tokens\n", n)
	return exitOK
}

func cmdTokenRevoke(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "token revoke", "ID")
	var sf storeFlags
	sf.register(fs, env)
	id, code, ok := oneArg(fs, args)
	if !ok {
		return code
	}
	st, _, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	before, err := st.APITokenByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fail(env, "no token %q (give the ID from \"shishi token list\", not the secret)", id)
	} else if err != nil {
		return fail(env, "%v", err)
	}
	if !before.RevokedAt.IsZero() {
		fmt.Fprintf(env.stdout, "token %s is already revoked: nothing changed\n", before.ID)
		return exitOK
	}
	owner, err := st.UserByID(ctx, before.UserID)
	if err != nil {
		return fail(env, "%v", err)
	}
	now := env.now()
	if err := st.RevokeAPIToken(ctx, before.ID, now); err != nil {
		return fail(env, "%v", err)
	}
	after := before
	after.RevokedAt = now
	if err := auditToken(ctx, st, env.operator(), now, audit.TokenRevoked, owner, &before, &after); err != nil {
		return fail(env, "token %s revoked, but its audit entry failed: %v", before.ID, err)
	}
	fmt.Fprintf(env.stdout, "token %s (%s, of %s) revoked\n", before.ID, before.Name, owner.Username)
	return exitOK
}
