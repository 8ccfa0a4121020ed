package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
)

func sample() audit.Entry {
	return audit.Entry{
		Seq:       42,
		At:        time.Date(2025, 3, 1, 8, 0, 0, 123456000, time.UTC),
		Actor:     "u-1001",
		ActorRole: "reporter",
		Region:    "410102",
		Action:    audit.Update,
		Object:    "hospitals/H4101020001",
		Before:    json.RawMessage(`{"ped_beds":10}`),
		After:     json.RawMessage(`{"ped_beds":12}`),
		RequestID: "req-7",
		PrevHash:  audit.Genesis,
	}
}

// TestComputeHashEncoding rebuilds the documented encoding independently
// and pins the hash of one entry, so that a change of the encoding, which
// would break every stored chain, cannot pass unnoticed.
func TestComputeHashEncoding(t *testing.T) {
	e := sample()
	var b bytes.Buffer
	for _, f := range []string{"shishi-audit-v1", "42", "2025-03-01T08:00:00.123456Z", "u-1001", "reporter", "410102",
		"update", "hospitals/H4101020001", `{"ped_beds":10}`, `{"ped_beds":12}`, "req-7", audit.Genesis} {
		binary.Write(&b, binary.BigEndian, uint64(len(f)))
		b.WriteString(f)
	}
	sum := sha256.Sum256(b.Bytes())
	want := hex.EncodeToString(sum[:])
	if got := e.ComputeHash(); got != want {
		t.Errorf("ComputeHash = %s, want %s", got, want)
	}
	const pinned = "7945c2871e94863ab9aa0adacb37fff2ac85a03a9085f7db3eb31bc0e65b08e7"
	if got := e.ComputeHash(); got != pinned {
		t.Logf("ComputeHash = %s (update the pinned value only with a new hashVersion)", got)
		t.Fail()
	}
	// The zone of At does not matter, only the instant.
	e2 := e
	e2.At = e.At.In(time.FixedZone("CST", 8*3600))
	if e2.ComputeHash() != e.ComputeHash() {
		t.Error("hash depends on the time zone of At")
	}
}

// TestHashCoversEveryField changes each field in turn, and moves bytes
// between neighbouring fields, which the length prefixes must tell apart.
func TestHashCoversEveryField(t *testing.T) {
	base := sample()
	h := base.ComputeHash()
	changes := map[string]func(*audit.Entry){
		"seq":        func(e *audit.Entry) { e.Seq++ },
		"at":         func(e *audit.Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor":      func(e *audit.Entry) { e.Actor = "u-1002" },
		"role":       func(e *audit.Entry) { e.ActorRole = "supervisor" },
		"region":     func(e *audit.Entry) { e.Region = "410103" },
		"action":     func(e *audit.Entry) { e.Action = audit.Create },
		"object":     func(e *audit.Entry) { e.Object = "hospitals/H4101020002" },
		"before":     func(e *audit.Entry) { e.Before = json.RawMessage(`{"ped_beds":11}`) },
		"before nil": func(e *audit.Entry) { e.Before = nil },
		"after":      func(e *audit.Entry) { e.After = json.RawMessage(`{"ped_beds":13}`) },
		"request":    func(e *audit.Entry) { e.RequestID = "req-8" },
		"prev":       func(e *audit.Entry) { e.PrevHash = strings.Repeat("1", 64) },
		"actor→role": func(e *audit.Entry) { e.Actor, e.ActorRole = "u-100", "1reporter" },
		"role→region": func(e *audit.Entry) {
			e.ActorRole, e.Region = "reporter4", "10102"
		},
		"before→after": func(e *audit.Entry) {
			e.Before, e.After = json.RawMessage(`{"ped_beds":10}{"ped_beds":12}`), nil
		},
	}
	for name, change := range changes {
		e := base
		change(&e)
		if e.ComputeHash() == h {
			t.Errorf("%s: hash unchanged", name)
		}
	}
	e := base
	e.Hash = "anything"
	if e.ComputeHash() != h {
		t.Error("hash covers Hash")
	}
}

func TestChain(t *testing.T) {
	e := sample()
	e.At = time.Date(2025, 3, 1, 16, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	e.Before = json.RawMessage(" null ")
	e.After = json.RawMessage("{ \"ped_beds\" : 12 }")
	prev := strings.Repeat("ab", 32)
	c := audit.Chain(prev, e)
	if c.PrevHash != prev || c.Hash != c.ComputeHash() || len(c.Hash) != 64 {
		t.Errorf("Chain: prev %s hash %s", c.PrevHash, c.Hash)
	}
	if c.At.Location() != time.UTC || c.At.Nanosecond() != 123456000 {
		t.Errorf("At = %v, want UTC in microseconds", c.At)
	}
	if c.Before != nil || string(c.After) != `{"ped_beds":12}` {
		t.Errorf("Before %q After %q, want nil and compacted", c.Before, c.After)
	}
	// Normalised, the entry is sample with no Before and another PrevHash.
	want := sample()
	want.PrevHash, want.Before = prev, nil
	if c.Hash != want.ComputeHash() {
		t.Error("Chain hash differs from the hash of the normalised entry")
	}
	if audit.Chain(prev, c).Hash != c.Hash {
		t.Error("Chain is not idempotent")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*audit.Entry)
		wantErr  string
		personal bool
	}{
		{"ok", func(*audit.Entry) {}, "", false},
		{"no action", func(e *audit.Entry) { e.Action = 0 }, "invalid action", false},
		{"unknown action", func(e *audit.Entry) { e.Action = 999 }, "invalid action", false},
		{"no actor", func(e *audit.Entry) { e.Actor = "" }, "no actor", false},
		{"no time", func(e *audit.Entry) { e.At = time.Time{} }, "no time", false},
		{"control character", func(e *audit.Entry) { e.Object = "hospitals/H1\n2025 fake entry" }, "control character", false},
		{"bad UTF-8", func(e *audit.Entry) { e.Actor = "u\xff" }, "not UTF-8", false},
		{"bad JSON", func(e *audit.Entry) { e.After = json.RawMessage(`{"a":`) }, "after is not JSON", false},
		{"resident ID", func(e *audit.Entry) { e.After = json.RawMessage(`{"id":"11010519491231002X"}`) }, "resident ID", true},
		{"resident ID lower x", func(e *audit.Entry) { e.Before = json.RawMessage(`{"id":"11010519491231002x"}`) }, "resident ID", true},
		{"resident ID in object", func(e *audit.Entry) { e.Object = "patients/11010519491231002X" }, "resident ID", true},
		{"phone", func(e *audit.Entry) { e.After = json.RawMessage(`{"contact":"13812345678"}`) }, "phone", true},
		{"phone as number", func(e *audit.Entry) { e.After = json.RawMessage(`{"contact":13812345678}`) }, "phone", true},
		{"phone with 86", func(e *audit.Entry) { e.After = json.RawMessage(`{"contact":"+8613812345678"}`) }, "phone", true},
		{"masked ID", func(e *audit.Entry) { e.After = json.RawMessage(`{"id":"110105********002X"}`) }, "", false},
		{"masked phone", func(e *audit.Entry) { e.After = json.RawMessage(`{"contact":"138****5678"}`) }, "", false},
		{"18 digits with a wrong check digit", func(e *audit.Entry) { e.After = json.RawMessage(`{"n":"110105194912310021"}`) }, "", false},
		{"landline-like 11 digits", func(e *audit.Entry) { e.After = json.RawMessage(`{"n":"01012345678"}`) }, "", false},
		{"hex hash", func(e *audit.Entry) {
			e.After = json.RawMessage(`{"id_hash":"3f13812345678a11010519491231002Xb"}`)
		}, "", false},
		{"digits inside a longer number", func(e *audit.Entry) { e.After = json.RawMessage(`{"n":1381234567800}`) }, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample()
			tt.change(&e)
			err := e.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate = %v, want %q", err, tt.wantErr)
			}
			if got := errors.Is(err, audit.ErrPersonalData); got != tt.personal {
				t.Errorf("errors.Is(ErrPersonalData) = %v, want %v", got, tt.personal)
			}
		})
	}
}

func TestActions(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range audit.Actions() {
		for _, s := range []string{a.String(), strings.ToUpper(a.String()), a.Label("zh-CN"), a.Label("en")} {
			got, err := audit.ParseAction(s)
			if err != nil || got != a {
				t.Errorf("ParseAction(%q) = %v, %v; want %v", s, got, err, a)
			}
		}
		if seen[a.String()] || seen[a.Label("zh")] {
			t.Errorf("%v: name or label used twice", a)
		}
		seen[a.String()], seen[a.Label("zh")] = true, true
	}
	if len(audit.Actions()) != 13 {
		t.Errorf("%d actions, want 13", len(audit.Actions()))
	}
	if _, err := audit.ParseAction("delete"); err == nil {
		t.Error(`ParseAction("delete") succeeded`)
	}
	if audit.Action(0).String() != "Action(0)" || audit.ReadPersonal.String() != "read_personal" {
		t.Error("String of invalid or known action")
	}
}

// TestDomainIsPure keeps HTTP and SQL out of the package: the audit log
// is written by the store and shown by the web layer, not here.
func TestDomainIsPure(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/shishi-health/shishi/") {
			continue
		}
		// A dot in the first path element marks a module outside the
		// standard library.
		first, _, _ := strings.Cut(dep, "/")
		if dep == "net/http" || dep == "database/sql" || strings.Contains(first, ".") {
			t.Errorf("audit depends on %s", dep)
		}
	}
}
