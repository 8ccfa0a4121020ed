package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// beijing is China Standard Time (UTC+8, no daylight saving), the time
// auditors read.
var beijing = time.FixedZone("CST", 8*3600)

// RowTimeLayout is how Row writes At, in Beijing time. It keeps the
// microseconds so that an exported entry still gives its hash.
const RowTimeLayout = "2006-01-02 15:04:05.000000"

var header = [...]struct{ zh, en string }{
	{"序号", "Seq"},
	{"时间（北京时间）", "Time (Beijing)"},
	{"操作人", "Actor"},
	{"角色", "Role"},
	{"地区", "Region"},
	{"操作", "Action"},
	{"对象", "Object"},
	{"修改前", "Before"},
	{"修改后", "After"},
	{"请求编号", "Request ID"},
	{"哈希", "Hash"},
}

// Header returns the header row of an export in lang (English when it
// starts with "en", Chinese otherwise), matching Row.
func Header(lang string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		if isEnglish(lang) {
			out[i] = h.en
		} else {
			out[i] = h.zh
		}
	}
	return out
}

// Row returns e as a row of an export (see Header): seq, time in Beijing
// time, actor, role, region, action label, object, before, after, request
// ID, hash. The CLI and web write the rows with package table. A complete
// export (from seq 1) can be checked again with ParseRow and Verify, each
// row's PrevHash being the Hash of the row before.
func Row(e Entry, lang string) []string {
	return []string{
		strconv.FormatInt(e.Seq, 10),
		e.At.In(beijing).Format(RowTimeLayout),
		e.Actor,
		e.ActorRole,
		e.Region,
		e.Action.Label(lang),
		e.Object,
		string(e.Before),
		string(e.After),
		e.RequestID,
		e.Hash,
	}
}

// ParseRow reads back a row written by Row, in either language. PrevHash
// is not in the row; the caller sets it.
func ParseRow(row []string) (Entry, error) {
	if len(row) != len(header) {
		return Entry{}, fmt.Errorf("audit row: %d cells, want %d", len(row), len(header))
	}
	seq, err := strconv.ParseInt(strings.TrimSpace(row[0]), 10, 64)
	if err != nil || seq < 1 {
		return Entry{}, fmt.Errorf("audit row: seq %q: not a positive number", row[0])
	}
	at, err := time.ParseInLocation(RowTimeLayout, strings.TrimSpace(row[1]), beijing)
	if err != nil {
		return Entry{}, fmt.Errorf("audit row %d: time %q: want %s", seq, row[1], RowTimeLayout)
	}
	action, err := ParseAction(row[5])
	if err != nil {
		return Entry{}, fmt.Errorf("audit row %d: %w", seq, err)
	}
	e := Entry{
		Seq:       seq,
		At:        at.UTC(),
		Actor:     row[2],
		ActorRole: row[3],
		Region:    row[4],
		Action:    action,
		Object:    row[6],
		RequestID: row[9],
		Hash:      row[10],
	}
	for i, dst := range []*json.RawMessage{&e.Before, &e.After} {
		cell := row[7+i]
		if cell == "" {
			continue
		}
		if !json.Valid([]byte(cell)) {
			return Entry{}, fmt.Errorf("audit row %d: %s: not JSON", seq, header[7+i].en)
		}
		*dst = json.RawMessage(cell)
	}
	return e, nil
}
