// Package audit is the audit trail (审计日志): every write (who, when,
// what, before and after) and every read of personal data leaves an entry
// in an append-only log that auditors search and export but nobody edits
// through the application (PIPL; 等保 2.0 level 3 asks for tamper-evident
// audit records).
//
// The entries form a hash chain: each entry's Hash covers all its fields
// and the Hash of the entry before it (PrevHash), the first entry's
// PrevHash being Genesis. Editing, deleting or inserting an entry anywhere
// but at the end breaks the chain, and Verify names the first broken entry.
// What a chain cannot show is the loss of its newest entries: whoever keeps
// the head (Seq and Hash of the last entry) somewhere else, such as a
// report printed each day or a higher-level instance, can check that too.
//
// The package is pure: the store writes and reads the entries, the web and
// CLI layers show and export them.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Genesis is the PrevHash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is how At is written in the hash encoding and in the store:
// UTC with microseconds and a fixed width, so that text order is time
// order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// hashVersion starts every encoded entry, so that a future change of the
// encoding cannot be confused with this one.
const hashVersion = "shishi-audit-v1"

// Entry is one audited event.
//
// Before and After hold the changed object as JSON (nil when there is none:
// before a Create, after a Purge, for a read). They must never hold a full
// resident ID number (居民身份证号) or phone number: callers pass masked
// values (110***********1234, 138****5678) or keyed hashes, as package
// personal produces. Validate rejects the unmasked forms it recognises, as
// a safety net, not as the masking.
type Entry struct {
	Seq       int64     // position in the log, from 1, without gaps
	At        time.Time // UTC, microseconds
	Actor     string    // user ID, or "system"
	ActorRole string    // the role the actor acted in
	Region    string    // GB/T 2260 code of the unit whose data it is (the scope)
	Action    Action
	Object    string // what was acted on, as a path: "hospitals/H4101020001"
	Before    json.RawMessage
	After     json.RawMessage
	RequestID string // ties the entry to the request and its log lines
	PrevHash  string // Hash of the entry before, Genesis for the first
	Hash      string // see ComputeHash
}

// ComputeHash returns the entry's hash in lowercase hex: SHA-256 over its
// canonical encoding, which is the following fields in this order, each
// written as its length in bytes (8 bytes, big-endian) followed by its
// UTF-8 bytes:
//
//	"shishi-audit-v1"
//	Seq         decimal, no sign or leading zeros
//	At          in UTC as TimeLayout (2025-03-01T08:00:00.000000Z)
//	Actor, ActorRole, Region
//	Action      its String name ("update"), not its number
//	Object
//	Before      the JSON bytes, empty when nil
//	After       the JSON bytes, empty when nil
//	RequestID
//	PrevHash
//
// Every field but Hash is covered. The length prefixes make the encoding
// injective: moving bytes from one field to the next changes it. Because
// PrevHash is covered, each hash seals the whole chain before it.
func (e Entry) ComputeHash() string {
	return hashAt(e, e.Seq)
}

// hashAt is ComputeHash with seq in place of e.Seq; Verify uses it to
// recognise an entry that was renumbered.
func hashAt(e Entry, seq int64) string {
	n := len(hashVersion) + 28 + len(e.Actor) + len(e.ActorRole) + len(e.Region) + 16 +
		len(e.Object) + len(e.Before) + len(e.After) + len(e.RequestID) + len(e.PrevHash) + 12*8
	buf := make([]byte, 0, n)
	field := func(b []byte) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(b)))
		buf = append(buf, b...)
	}
	str := func(s string) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	str(hashVersion)
	var num [20]byte
	field(strconv.AppendInt(num[:0], seq, 10))
	var ts [32]byte
	field(e.At.UTC().AppendFormat(ts[:0], TimeLayout))
	str(e.Actor)
	str(e.ActorRole)
	str(e.Region)
	str(e.Action.String())
	str(e.Object)
	field(e.Before)
	field(e.After)
	str(e.RequestID)
	str(e.PrevHash)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// Chain returns e as the entry after the one whose hash is prev: At in UTC
// cut to microseconds, Before and After compacted (JSON null becomes nil),
// PrevHash set to prev and Hash computed. The normalising makes the entry
// hash the same after a round trip through the store. Seq is the caller's.
func Chain(prev string, e Entry) Entry {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Before = compactJSON(e.Before)
	e.After = compactJSON(e.After)
	e.PrevHash = prev
	e.Hash = e.ComputeHash()
	return e
}

// compactJSON returns a compacted copy of j, nil for empty or null. Text
// that is not JSON is copied as is; Validate rejects it.
func compactJSON(j json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(j)) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, j); err != nil {
		return bytes.Clone(j)
	}
	if b.String() == "null" {
		return nil
	}
	return b.Bytes()
}

// ErrPersonalData is returned by Validate for an entry that holds what
// looks like a full resident ID number or phone number.
var ErrPersonalData = errors.New("unmasked personal data")

// Validate checks an entry before it is chained: a known action, an actor
// and a time; text fields in UTF-8 without control characters (they end up
// in terminals and spreadsheets); Before and After as JSON; and no full
// resident ID or phone number in Object, Before or After.
func (e Entry) Validate() error {
	if !e.Action.valid() {
		return fmt.Errorf("audit entry: invalid action %d", int(e.Action))
	}
	if e.Actor == "" {
		return errors.New("audit entry: no actor")
	}
	if e.At.IsZero() {
		return errors.New("audit entry: no time")
	}
	for _, f := range []struct{ name, value string }{
		{"actor", e.Actor}, {"actor_role", e.ActorRole}, {"region", e.Region},
		{"object", e.Object}, {"request_id", e.RequestID},
	} {
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("audit entry: %s is not UTF-8", f.name)
		}
		if strings.ContainsFunc(f.value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("audit entry: %s holds a control character", f.name)
		}
	}
	for _, f := range []struct {
		name  string
		value json.RawMessage
	}{{"before", e.Before}, {"after", e.After}} {
		if len(f.value) > 0 && !json.Valid(f.value) {
			return fmt.Errorf("audit entry: %s is not JSON", f.name)
		}
	}
	for _, f := range []struct {
		name  string
		value []byte
	}{{"object", []byte(e.Object)}, {"before", e.Before}, {"after", e.After}} {
		if kind := findPersonal(f.value); kind != "" {
			return fmt.Errorf("audit entry: %s holds a full %s: %w", f.name, kind, ErrPersonalData)
		}
	}
	return nil
}

// findPersonal looks for a resident ID number (18 characters with a valid
// GB 11643 check digit) or a mainland mobile number (11 digits from 13 to
// 19, optionally after 86) standing as a whole word: a run of letters and
// digits. Words, not substrings, so that hex hashes, which are full of
// digit runs, never match. It returns what it found, or "".
func findPersonal(b []byte) string {
	isAlnum := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for i := 0; i < len(b); {
		if !isAlnum(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isAlnum(b[j]) {
			j++
		}
		w := b[i:j]
		i = j
		switch {
		case len(w) == 18 && residentID(w):
			return "resident ID number"
		case len(w) == 11 && mobile(w), len(w) == 13 && w[0] == '8' && w[1] == '6' && mobile(w[2:]):
			return "phone number"
		}
	}
	return ""
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// residentID reports whether w is 17 digits and the GB 11643 check
// character (ISO 7064 MOD 11-2).
func residentID(w []byte) bool {
	if !allDigits(w[:17]) {
		return false
	}
	sum := 0
	for i, c := range w[:17] {
		weight := (1 << (17 - i)) % 11 // 2^(17-i) mod 11: 7, 9, 10, 5, …
		sum += int(c-'0') * weight
	}
	want := "10X98765432"[sum%11]
	got := w[17]
	if got == 'x' {
		got = 'X'
	}
	return got == want
}

func mobile(w []byte) bool {
	return len(w) == 11 && allDigits(w) && w[0] == '1' && w[1] >= '3'
}
