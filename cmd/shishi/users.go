package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// firstAdminName is the username of the administrator an empty store
// starts with.
const firstAdminName = "admin"

// systemActor is the audit actor of what the program does by itself (the
// first administrator, demo accounts of serve --demo).
const systemActor = "system"

// ensureFirstAdmin creates the first administrator when the store has no
// user at all, and shows its one-time password on w, once: the password
// goes to the console of whoever started the program, never through the
// logger, whose output is kept and shipped elsewhere. Two programs
// starting on one empty database create one administrator: the loser of
// CreateFirstUser's race prints nothing.
func ensureFirstAdmin(ctx context.Context, env *cliEnv, st *store.Store, w io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	now := env.now()
	u, pw, err := auth.NewFirstAdministrator(firstAdminName, now)
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	if u, err = st.CreateFirstUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return nil
	} else if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	printOneTimePassword(w, fmt.Sprintf("首次启动：管理员 %s 的一次性密码", u.Username),
		fmt.Sprintf("First start: one-time password of administrator %s", u.Username), pw)
	return auditUser(ctx, st, systemActor, now, nil, &u, "created")
}

// printOneTimePassword shows a one-time password in a box that stands out
// in a scrolling console.
func printOneTimePassword(w io.Writer, zh, en, pw string) {
	line := strings.Repeat("═", 64)
	fmt.Fprintf(w, "\n╔%s\n", line)
	fmt.Fprintf(w, "║ %s：%s（仅显示这一次）\n", zh, pw)
	fmt.Fprintf(w, "║ %s: %s (shown only this once)\n", en, pw)
	fmt.Fprintf(w, "║ 首次登录时必须修改密码。 It must be changed at the first login.\n")
	fmt.Fprintf(w, "╚%s\n\n", line)
}

// operator is the audit actor of a command run from a shell: "cli:" and
// the operating-system user, who holds the database (and so every right)
// rather than an account of the application.
func (env *cliEnv) operator() string {
	name := env.getenv("USER")
	if name == "" {
		name = env.getenv("LOGNAME")
	}
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

// userAudit is what the audit trail keeps of a user: the binding and the
// state, never the password hash.
type userAudit struct {
	Username          string `json:"username"`
	DisplayName       string `json:"display_name,omitempty"`
	Role              string `json:"role"`
	Region            string `json:"region,omitempty"`
	Institution       string `json:"institution,omitempty"`
	InstitutionRegion string `json:"institution_region,omitempty"`
	MustChange        bool   `json:"must_change"`
	Disabled          bool   `json:"disabled"`
	// Change says what happened when the state does not: "created",
	// "password_reset".
	Change string `json:"change,omitempty"`
}

func userJSON(u *auth.User, change string) (json.RawMessage, error) {
	if u == nil {
		return nil, nil
	}
	return json.Marshal(userAudit{
		Username: u.Username, DisplayName: u.DisplayName, Role: u.Role.String(), Region: u.Region,
		Institution: u.Institution, InstitutionRegion: u.InstitutionRegion, MustChange: u.MustChange, Disabled: u.Disabled,
		Change: change,
	})
}

// auditUser appends the UserChanged entry of a change from before to
// after (before nil for a new user).
func auditUser(ctx context.Context, st *store.Store, actor string, now time.Time, before, after *auth.User, change string) error {
	b, err := userJSON(before, "")
	if err != nil {
		return err
	}
	a, err := userJSON(after, change)
	if err != nil {
		return err
	}
	_, err = st.AppendAudit(ctx, audit.Entry{
		At: now, Actor: actor, Region: after.Principal().Scope().Region, Action: audit.UserChanged,
		Object: "users/" + after.Username, Before: b, After: a,
	})
	return err
}

func userCommands() []command {
	return []command{
		{"add", "create an account bound to a region or an institution", cmdUserAdd},
		{"list", "list the accounts bound within a region (never their passwords)", cmdUserList},
		{"disable", "disable an account and end its sessions", cmdUserDisable},
		{"enable", "enable a disabled account again", cmdUserEnable},
		{"reset", "give an account a new one-time password and end its sessions", cmdUserReset},
	}
}

// cmdUser manages user accounts (用户管理) from the shell: whoever runs it
// holds the database, so it is not scoped like the web's administrators,
// and every change is audited under the operating-system user.
func cmdUser(ctx context.Context, env *cliEnv, args []string) int {
	var roles []string
	for _, r := range auth.Roles() {
		roles = append(roles, r.String())
	}
	return env.dispatchGroup(ctx, "user", userCommands(), "\nRoles: "+strings.Join(roles, ", ")+"\n", args)
}

// openForUsers opens the store and the hierarchy for a user command and
// makes sure the first administrator exists.
func openForUsers(ctx context.Context, env *cliEnv, sf *storeFlags) (*store.Store, *region.Tree, error) {
	st, err := sf.open(ctx, sf.logger(env))
	if err != nil {
		return nil, nil, err
	}
	tree, err := loadTree(ctx, st)
	if err == nil {
		err = ensureFirstAdmin(ctx, env, st, env.stderr)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, tree, nil
}

// binding checks a role binding given on the command line and returns it
// as a principal: a region of the right level for a region role; for an
// institution role a facility in effect today in the registry the role
// names, whose region the binding takes from the store.
func binding(ctx context.Context, st *store.Store, tree *region.Tree, role auth.Role, regionCode, institution, today string) (auth.Principal, error) {
	p := auth.Principal{Role: role}
	switch role.Binding() {
	case auth.BoundToRegion:
		if regionCode == "" || institution != "" {
			return p, fmt.Errorf("%s is bound to a region: give --region CODE, not --institution", role)
		}
		p.Region = regionCode
	case auth.BoundToInstitution:
		if institution == "" || regionCode != "" {
			return p, fmt.Errorf("%s is bound to an institution: give --institution CODE, not --region", role)
		}
		sc, ok := facility.Lookup(role.Registry())
		if !ok {
			return p, fmt.Errorf("%s: no registry %q", role, role.Registry())
		}
		h, err := st.History(ctx, sc, institution)
		if errors.Is(err, store.ErrNotFound) {
			return p, fmt.Errorf("--institution: %s is not in the %s registry", institution, sc.Name)
		} else if err != nil {
			return p, err
		}
		rec, ok := h.AsOf(today)
		if !ok {
			return p, fmt.Errorf("--institution: %s is not in the %s registry on %s (closed or not yet open)", institution, sc.Name, today)
		}
		p.Institution, p.InstitutionRegion = institution, rec.Region(sc)
	}
	if err := p.Validate(tree); err != nil {
		return p, err
	}
	return p, nil
}

func cmdUserAdd(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user add", "USERNAME --role ROLE (--region CODE | --institution CODE) [--display-name NAME] [--password-stdin]")
	var sf storeFlags
	sf.register(fs, env)
	roleName := fs.String("role", "", "the role: "+roleList())
	regionCode := fs.String("region", "", "the region a region role is bound to (GB/T 2260 code; supervisors at their level)")
	institution := fs.String("institution", "", "the facility code an institution role is bound to (a hospital, or a blood station for blood_centre_reviewer)")
	displayName := fs.String("display-name", "", "the name shown for the account")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input (checked against the password policy) instead of generating a one-time password")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 1 || *roleName == "" {
		fs.Usage()
		return exitUsage
	}
	username, err := auth.NormalizeUsername(pos[0])
	if err != nil {
		return fail(env, "%v", err)
	}
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		return fail(env, "--role: %v (one of %s)", err, roleList())
	}
	var password string
	if *passwordStdin {
		b, err := io.ReadAll(io.LimitReader(env.stdin, 4096))
		if err != nil {
			return fail(env, "read password: %v", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
		if err := auth.CheckPasswordPolicy(password, username); err != nil {
			var pe *auth.PolicyError
			if errors.As(err, &pe) {
				return fail(env, "%s / %s", pe.Msg.ZH, pe.Msg.EN)
			}
			return fail(env, "%v", err)
		}
	}
	st, tree, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	now := env.now()
	p, err := binding(ctx, st, tree, role, *regionCode, *institution, chinaToday(now))
	if err != nil {
		return fail(env, "%v", err)
	}
	oneTime := password == ""
	if oneTime {
		password = auth.NewOneTimePassword()
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fail(env, "%v", err)
	}
	u, err := st.CreateUser(ctx, auth.User{
		Username: username, DisplayName: *displayName, Role: p.Role, Region: p.Region,
		Institution: p.Institution, InstitutionRegion: p.InstitutionRegion,
		PasswordHash: hash, MustChange: oneTime, CreatedAt: now,
	})
	if err != nil {
		return fail(env, "%v", err)
	}
	if err := auditUser(ctx, st, env.operator(), now, nil, &u, "created"); err != nil {
		return fail(env, "user %s created, but its audit entry failed: %v", u.Username, err)
	}
	fmt.Fprintf(env.stdout, "user %s created: %s, %s\n", u.Username, u.Role.Label("zh"), boundTo(tree, u))
	if oneTime {
		printOneTimePassword(env.stderr, fmt.Sprintf("用户 %s 的一次性密码", u.Username),
			fmt.Sprintf("One-time password of user %s", u.Username), password)
	}
	return exitOK
}

func roleList() string {
	var names []string
	for _, r := range auth.Roles() {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}

// boundTo describes a user's binding for people: "410122 中牟县" or
// "hospitals H4101220001 (410122 中牟县)".
func boundTo(tree *region.Tree, u auth.User) string {
	name := func(code string) string {
		if d, ok := tree.Get(code); ok {
			return code + " " + d.Name
		}
		return code
	}
	if u.Role.Binding() == auth.BoundToInstitution {
		return fmt.Sprintf("%s %s (%s)", u.Role.Registry(), u.Institution, name(u.InstitutionRegion))
	}
	return name(u.Region)
}

func userStatus(u auth.User, now time.Time) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.Login.LockedUntil.After(now):
		return "locked"
	case u.MustChange:
		return "must change password"
	}
	return "active"
}

func cmdUserList(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user list", "[--region CODE] [--format table|csv]")
	var sf storeFlags
	sf.register(fs, env)
	regionCode := fs.String("region", region.CountryCode, "only accounts bound within this region (GB/T 2260 code)")
	format := fs.String("format", "table", "table (aligned text) or csv")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	if *format != "table" && *format != "csv" {
		return fail(env, "--format: %q: want table or csv", *format)
	}
	st, tree, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	if _, ok := tree.Get(*regionCode); !ok {
		return fail(env, "--region: unknown region code %q", *regionCode)
	}
	users, err := st.ListUsers(ctx, *regionCode)
	if err != nil {
		return fail(env, "%v", err)
	}
	now := env.now()
	if *format == "csv" {
		tw, err := table.NewWriter(env.stdout, table.CSV, "")
		if err == nil {
			err = tw.Write([]string{"username", "display_name", "role", "region", "institution", "institution_region", "must_change", "disabled", "created_at", "updated_at"})
		}
		for _, u := range users {
			if err != nil {
				break
			}
			err = tw.Write([]string{u.Username, u.DisplayName, u.Role.String(), u.Region, u.Institution, u.InstitutionRegion,
				fmt.Sprint(u.MustChange), fmt.Sprint(u.Disabled), u.CreatedAt.UTC().Format(time.RFC3339), u.UpdatedAt.UTC().Format(time.RFC3339)})
		}
		if err != nil {
			return fail(env, "%v", err)
		}
		if err := tw.Close(); err != nil {
			return fail(env, "%v", err)
		}
		return exitOK
	}
	rows := [][]string{{"USERNAME", "ROLE", "BOUND TO", "STATUS", "DISPLAY NAME"}}
	for _, u := range users {
		rows = append(rows, []string{u.Username, u.Role.String(), boundTo(tree, u), userStatus(u, now), u.DisplayName})
	}
	writeColumns(env.stdout, rows)
	fmt.Fprintf(env.stderr, "%d users\n", len(users))
	return exitOK
}

// userEdit is one of disable, enable and reset: the change to make to
// the user found (skip says why there is none), the label of its audit
// entry, and what to print after it.
type userEdit struct {
	name, summary string
	change        func(u auth.User) (ch store.UserChange, label, skip string, err error)
	done          func(u auth.User)
}

// run looks the user up, changes it and audits the change.
func (e userEdit) run(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user "+e.name, "USERNAME")
	var sf storeFlags
	sf.register(fs, env)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: shishi user %s USERNAME\n\n%s.\n\nFlags:\n", e.name, e.summary)
		fs.PrintDefaults()
	}
	username, code, ok := oneArg(fs, args)
	if !ok {
		return code
	}
	st, _, err := openForUsers(ctx, env, &sf)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	before, err := st.UserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return fail(env, "no user %q", username)
	} else if err != nil {
		return fail(env, "%v", err)
	}
	ch, label, skip, err := e.change(before)
	if err != nil {
		return fail(env, "%v", err)
	}
	if skip != "" {
		fmt.Fprintf(env.stdout, "user %s %s: nothing changed\n", before.Username, skip)
		return exitOK
	}
	now := env.now()
	u, err := st.UpdateUser(ctx, before.ID, ch, now)
	if err != nil {
		return fail(env, "%v", err)
	}
	if err := auditUser(ctx, st, env.operator(), now, &before, &u, label); err != nil {
		return fail(env, "user %s changed, but its audit entry failed: %v", u.Username, err)
	}
	e.done(u)
	return exitOK
}

func cmdUserDisable(ctx context.Context, env *cliEnv, args []string) int {
	return userEdit{
		name:    "disable",
		summary: "Disable an account: it cannot log in, its sessions end and its API tokens stop working",
		change: func(u auth.User) (store.UserChange, string, string, error) {
			if u.Disabled {
				return store.UserChange{}, "", "is already disabled", nil
			}
			yes := true
			return store.UserChange{Disabled: &yes}, "", "", nil
		},
		done: func(u auth.User) { fmt.Fprintf(env.stdout, "user %s disabled; its sessions are ended\n", u.Username) },
	}.run(ctx, env, args)
}

func cmdUserEnable(ctx context.Context, env *cliEnv, args []string) int {
	return userEdit{
		name:    "enable",
		summary: "Enable a disabled account again (its password is unchanged)",
		change: func(u auth.User) (store.UserChange, string, string, error) {
			if !u.Disabled {
				return store.UserChange{}, "", "is not disabled", nil
			}
			no := false
			return store.UserChange{Disabled: &no}, "", "", nil
		},
		done: func(u auth.User) { fmt.Fprintf(env.stdout, "user %s enabled\n", u.Username) },
	}.run(ctx, env, args)
}

func cmdUserReset(ctx context.Context, env *cliEnv, args []string) int {
	pw := auth.NewOneTimePassword()
	return userEdit{
		name: "reset",
		summary: "Give an account a new one-time password, to be changed at the next login; " +
			"its sessions end and a lock-out is lifted",
		change: func(u auth.User) (store.UserChange, string, string, error) {
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return store.UserChange{}, "", "", err
			}
			yes := true
			return store.UserChange{PasswordHash: &hash, MustChange: &yes, Unlock: true}, "password_reset", "", nil
		},
		done: func(u auth.User) {
			fmt.Fprintf(env.stdout, "user %s: password reset; its sessions are ended\n", u.Username)
			if u.Disabled {
				fmt.Fprintf(env.stdout, "user %s is disabled: enable it with \"shishi user enable %s\"\n", u.Username, u.Username)
			}
			printOneTimePassword(env.stderr, fmt.Sprintf("用户 %s 的一次性密码", u.Username),
				fmt.Sprintf("One-time password of user %s", u.Username), pw)
		},
	}.run(ctx, env, args)
}

// demoAccounts creates the demo accounts (demo.AccountsFor) that do not
// exist yet, each bound as binding checks it against the store (an
// institution the store lacks is skipped with a warning), and prints the
// list on w. The accounts share the published demo.Password: one hash
// serves them all, since per-account salts protect nothing when the
// password itself is in the README, and hashing costs 170 ms each.
func demoAccounts(ctx context.Context, env *cliEnv, st *store.Store, tree *region.Tree, o demo.Options, actor string, w io.Writer) error {
	hash, err := auth.HashPassword(demo.Password)
	if err != nil {
		return err
	}
	now := env.now()
	today := chinaToday(now)
	fmt.Fprintf(w, "demo accounts (password %s):\n", demo.Password)
	rows := [][]string{{"USERNAME", "ROLE", "BOUND TO", "STATE"}}
	defer func() { writeColumns(w, rows) }()
	for _, a := range demo.AccountsFor(tree, o) {
		p, err := binding(ctx, st, tree, a.Role, a.Region, a.Institution, today)
		if err != nil {
			rows = append(rows, []string{a.Username, a.Role.Label("zh"), "", "skipped: " + err.Error()})
			continue
		}
		u, err := st.CreateUser(ctx, auth.User{
			Username: a.Username, DisplayName: a.DisplayName, Role: p.Role, Region: p.Region,
			Institution: p.Institution, InstitutionRegion: p.InstitutionRegion, PasswordHash: hash, CreatedAt: now,
		})
		state := "created"
		switch {
		case errors.Is(err, store.ErrConflict):
			if u, err = st.UserByUsername(ctx, a.Username); err != nil {
				return err
			}
			state = "exists"
		case err != nil:
			return err
		default:
			if err := auditUser(ctx, st, actor, now, nil, &u, "created"); err != nil {
				return err
			}
		}
		where := boundTo(tree, u)
		if a.InstitutionName != "" && u.Institution == a.Institution {
			where += " " + a.InstitutionName
		}
		rows = append(rows, []string{u.Username, u.Role.Label("zh"), where, state})
	}
	return nil
}

// onlyAdmin reports whether the store holds no user but the first
// administrator: serve --demo then adds the demo accounts, and leaves a
// store with real accounts alone.
func onlyAdmin(ctx context.Context, st *store.Store) (bool, error) {
	users, err := st.ListUsers(ctx, region.CountryCode)
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.Username != firstAdminName {
			return false, nil
		}
	}
	return true, nil
}
