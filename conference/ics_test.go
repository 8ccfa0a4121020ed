package conference

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/shishi-health/shishi/season"
)

// trickyPlan is a plan whose text holds everything iCalendar escapes
// (commas, semicolons, backslashes, line breaks) and Chinese text long
// enough that its lines must be folded inside multi-byte characters.
func trickyPlan() []Conference {
	long := strings.Repeat("气温骤降，注意防寒保暖；预防流感和肺炎，室内定时通风。", 6)
	return []Conference{
		{Year: 2025, Term: 22, Date: "2025-11-21", Time: "15:00", Theme: "小雪：防寒, 保暖; 呼吸道\\疾病",
			ThemeEN: "Minor Snow: warmth, airways; and C:\\path",
			Experts: []Expert{{"western", "王强", "综合医院 呼吸与危重症医学科主任医师"}, {"tcm", "李芳", "北京大学（医学部）"}},
			Advice:  long + "\n第二段：用煤炉取暖, 防一氧化碳中毒; 备好\\应急药品。", AdviceEN: "Keep warm, air rooms; beware CO.\nSecond line \\ backslash.",
			Status: Held, HeldOn: "2025-11-20", RecordingURL: "https://www.nhc.gov.cn/xcs/xwbd/202522-jieqi.shtml?a=1,2;b",
			Reach: 1_234_567, Revision: 3, UpdatedAt: "2025-11-21T08:00:00Z"},
		{Year: 2025, Term: 23, Date: "2025-12-05", Time: "09:30", Theme: "大雪冬季运动与防跌倒",
			Experts: []Expert{{"exercise", "张伟", ""}}, Status: Planned},
		{Year: 2025, Term: 14, Date: "2025-07-21", Time: "15:00", Theme: "大暑防暑降温", Status: Cancelled, Revision: 1},
	}
}

func writeFeed(t *testing.T, f Feed, cs []Conference) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteICS(&b, f, cs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteICSParsesBack writes a tricky plan and reads it back with a
// second, independent iCalendar library (emersion/go-ical): the feed is
// valid RFC 5545, and every event says what the plan says.
func TestWriteICSParsesBack(t *testing.T) {
	plan := trickyPlan()
	stamp := time.Date(2025, 11, 23, 2, 0, 0, 0, time.UTC)
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			feed := Feed{Name: "时令节气与健康发布会", Host: "shishi.example.org", BaseURL: "https://shishi.example.org/public/conferences", Lang: lang, Stamp: stamp}
			raw := writeFeed(t, feed, plan)
			checkLines(t, raw)
			cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, raw)
			}
			if name, err := cal.Props.Text("X-WR-CALNAME"); err != nil || name != feed.Name {
				t.Errorf("X-WR-CALNAME %q, %v", name, err)
			}
			events := cal.Events()
			if len(events) != len(plan) {
				t.Fatalf("%d events, want %d", len(events), len(plan))
			}
			for i, e := range events {
				c := plan[i]
				text := func(name string) string {
					t.Helper()
					s, err := e.Props.Text(name)
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					return s
				}
				if uid, want := text(ical.PropUID), UID(c, feed.Host); uid != want || !strings.HasSuffix(uid, "@shishi.example.org") {
					t.Errorf("UID %q, want %q", uid, want)
				}
				if got, want := text(ical.PropSummary), summary(c, lang); got != want {
					t.Errorf("SUMMARY %q, want %q", got, want)
				}
				if got, want := text(ical.PropDescription), description(c, lang); got != want {
					t.Errorf("DESCRIPTION %q, want %q", got, want)
				}
				day := c.Date
				if c.Status == Held {
					day = c.HeldOn
				}
				local, err := time.ParseInLocation("2006-01-02 15:04", day+" "+c.Time, season.Beijing())
				if err != nil {
					t.Fatal(err)
				}
				start, err := e.DateTimeStart(nil)
				if err != nil || !start.Equal(local) || start.Location() != time.UTC {
					t.Errorf("DTSTART %v (%v), want %v", start, err, local.UTC())
				}
				if p := e.Props.Get(ical.PropDateTimeStart); p == nil || p.Value != local.UTC().Format("20060102T150405Z") {
					t.Errorf("DTSTART value %v, want %s in UTC", p, local.UTC().Format("20060102T150405Z"))
				}
				if end, err := e.DateTimeEnd(nil); err != nil || end.Sub(start) != time.Hour {
					t.Errorf("DTEND %v, want an hour after %v", end, start)
				}
				status, err := e.Status()
				want := map[Status]ical.EventStatus{Planned: ical.EventTentative, Held: ical.EventConfirmed, Cancelled: ical.EventCancelled}[c.Status]
				if err != nil || status != want {
					t.Errorf("STATUS %q, %v; want %q", status, err, want)
				}
				if seq, err := e.Props.Get(ical.PropSequence).Int(); err != nil || seq != c.Revision {
					t.Errorf("SEQUENCE %d, %v; want %d", seq, err, c.Revision)
				}
				if ds, err := e.Props.DateTime(ical.PropDateTimeStamp, nil); err != nil || !ds.Equal(stamp) {
					t.Errorf("DTSTAMP %v, %v", ds, err)
				}
				wantURL := feed.BaseURL
				if c.RecordingURL != "" {
					wantURL = c.RecordingURL
				}
				if p := e.Props.Get(ical.PropURL); p == nil || p.Value != wantURL {
					t.Errorf("URL %v, want %s", p, wantURL)
				}
			}
		})
	}
}

// checkLines checks the physical lines: CRLF endings and no bare CR or
// LF, at most 75 octets each, and folding that never splits a UTF-8
// character.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the feed does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
	folded := 0
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !strings.HasPrefix(l, " ") && !strings.Contains(l, ":") {
			t.Errorf("line %d is neither a property nor a continuation: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
		if !utf8Valid(l) {
			t.Errorf("line %d splits a character: %q", i+1, l)
		}
	}
	if folded == 0 {
		t.Error("no line was folded: the long advice should have been")
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "METHOD:PUBLISH\r\n", "END:VCALENDAR\r\n"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the feed lacks %q", want)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestWriteICSEmptyAndBroken(t *testing.T) {
	raw := writeFeed(t, Feed{Name: "x", Host: "h", Stamp: time.Unix(0, 0)}, nil)
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil || len(cal.Events()) != 0 {
		t.Errorf("empty feed: %v, %d events", err, len(cal.Events()))
	}
	bad := trickyPlan()[:1]
	bad[0].Time = "later"
	var b bytes.Buffer
	if err := WriteICS(&b, Feed{Host: "h"}, bad); err == nil || !strings.Contains(err.Error(), "小雪") {
		t.Errorf("a conference without a time: %v, want an error naming its term", err)
	}
}
