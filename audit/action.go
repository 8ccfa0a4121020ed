package audit

import (
	"fmt"
	"strings"
)

// Action is what an entry records. The zero Action is invalid, so that a
// forgotten field is an error rather than silently a Create.
type Action int

// The actions. The numbers are not stored: the store and the hash use
// String, so new actions may go anywhere in the list.
const (
	Create       Action = iota + 1 // a record was created
	Update                         // a record was changed
	Close                          // a facility closed (a closing version, not a deletion)
	Purge                          // data was erased, e.g. personal data past its retention
	Import                         // a file was imported (Object names the registry and file)
	ReadPersonal                   // personal data was shown or downloaded
	Login                          // a user signed in
	LoginFailed                    // a sign-in was refused
	Logout                         // a user signed out
	TokenIssued                    // an API token was issued
	TokenRevoked                   // an API token was revoked
	UserChanged                    // a user, role or scope was created or changed
	Export                         // data was exported to a file
)

var actionNames = [...]struct{ name, zh, en string }{
	{"", "", ""},
	Create:       {"create", "新增", "Create"},
	Update:       {"update", "修改", "Update"},
	Close:        {"close", "关闭", "Close"},
	Purge:        {"purge", "清除", "Purge"},
	Import:       {"import", "导入", "Import"},
	ReadPersonal: {"read_personal", "查看个人信息", "Read personal data"},
	Login:        {"login", "登录", "Sign in"},
	LoginFailed:  {"login_failed", "登录失败", "Sign-in failed"},
	Logout:       {"logout", "退出登录", "Sign out"},
	TokenIssued:  {"token_issued", "签发令牌", "Token issued"},
	TokenRevoked: {"token_revoked", "吊销令牌", "Token revoked"},
	UserChanged:  {"user_changed", "用户变更", "User changed"},
	Export:       {"export", "导出", "Export"},
}

// Actions returns every valid action, in declaration order (for search
// forms).
func Actions() []Action {
	out := make([]Action, 0, len(actionNames)-1)
	for a := Create; int(a) < len(actionNames); a++ {
		out = append(out, a)
	}
	return out
}

func (a Action) valid() bool { return a > 0 && int(a) < len(actionNames) }

// String returns the stable machine name ("read_personal"): the form
// stored, hashed and read back by ParseAction.
func (a Action) String() string {
	if !a.valid() {
		return fmt.Sprintf("Action(%d)", int(a))
	}
	return actionNames[a].name
}

// Label returns the name shown to people: English when lang starts with
// "en", Chinese otherwise.
func (a Action) Label(lang string) string {
	if !a.valid() {
		return a.String()
	}
	if isEnglish(lang) {
		return actionNames[a].en
	}
	return actionNames[a].zh
}

// ParseAction reads an action at the edge of the program: the String name
// in any letter case, or the Chinese or English label (as exported by Row).
func ParseAction(s string) (Action, error) {
	t := strings.TrimSpace(s)
	for a := Create; int(a) < len(actionNames); a++ {
		n := actionNames[a]
		if strings.EqualFold(t, n.name) || t == n.zh || strings.EqualFold(t, n.en) {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown audit action %q", s)
}

func isEnglish(lang string) bool { return strings.HasPrefix(lang, "en") }
