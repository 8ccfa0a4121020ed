package conference

import (
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Feed describes the iCalendar feed of a year's plan.
type Feed struct {
	// Name is the calendar's name (X-WR-CALNAME); Host the server's host
	// name, which makes the events' UIDs unique worldwide; BaseURL the
	// address of the public conference page, linked from each event
	// without a recording.
	Name, Host, BaseURL string
	// Lang picks the language of the events' text: "en" or Chinese.
	Lang string
	// Stamp is when the feed is written (DTSTAMP).
	Stamp time.Time
}

// duration is how long a conference is shown to last in calendars: the
// commission's press conferences take about an hour.
const duration = time.Hour

// UID is the stable identity of a conference in the feed: a calendar
// program updates the event, rather than adding one, when the plan
// changes.
func UID(c Conference, host string) string {
	return fmt.Sprintf("shishi-conference-%d-%02d@%s", c.Year, c.Term, host)
}

// WriteICS writes the conferences as an iCalendar (RFC 5545) feed: one
// event per conference, planned, held or cancelled (STATUS:CANCELLED, so
// that subscribed calendars drop it), with times in UTC, the panel and the
// term's advice in the description, lines folded at 75 octets and ended
// with CRLF. The encoding is github.com/arran4/golang-ical's.
func WriteICS(w io.Writer, f Feed, cs []Conference) error {
	cal := ics.NewCalendarFor("shishi")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(f.Name)
	cal.SetName(f.Name)
	cal.SetXWRTimezone("Asia/Shanghai")
	// SetRefreshInterval adds VALUE=DURATION itself.
	cal.SetRefreshInterval("PT12H")
	cal.SetXPublishedTTL("PT12H")
	for _, c := range cs {
		start, err := c.Start()
		if err != nil {
			return fmt.Errorf("conference %d %s: %w", c.Year, c.TermOf().Name, err)
		}
		e := cal.AddEvent(UID(c, f.Host))
		e.SetDtStampTime(f.Stamp)
		if t, err := time.Parse(time.RFC3339, c.UpdatedAt); err == nil {
			e.SetModifiedAt(t)
		}
		e.SetSequence(c.Revision)
		e.SetStartAt(start)
		e.SetEndAt(start.Add(duration))
		e.SetSummary(summary(c, f.Lang))
		e.SetDescription(description(c, f.Lang))
		switch c.Status {
		case Cancelled:
			e.SetStatus(ics.ObjectStatusCancelled)
		case Held:
			e.SetStatus(ics.ObjectStatusConfirmed)
		default:
			e.SetStatus(ics.ObjectStatusTentative)
		}
		if c.RecordingURL != "" {
			e.SetURL(c.RecordingURL)
		} else if f.BaseURL != "" {
			e.SetURL(f.BaseURL)
		}
		e.SetProperty(ics.ComponentPropertyCategories, categories(f.Lang))
	}
	// RFC 5545 lines end in CRLF; the library's default is the
	// platform's line ending, LF on the servers.
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

func categories(lang string) string {
	if lang == "en" {
		return "Seasonal health press conference"
	}
	return "时令节气与健康"
}

// summary is the event's title: “【小雪】时令节气与健康发布会：主题”.
func summary(c Conference, lang string) string {
	t := c.TermOf()
	if lang == "en" {
		theme := c.ThemeEN
		if theme == "" {
			theme = c.Theme
		}
		return fmt.Sprintf("[%s] Seasonal health press conference: %s", t.Pinyin, theme)
	}
	return fmt.Sprintf("【%s】“时令节气与健康”发布会：%s", t.Name, c.Theme)
}

// description lists the panel, the advice and, once held, the reach.
func description(c Conference, lang string) string {
	var b strings.Builder
	en := lang == "en"
	if len(c.Experts) > 0 {
		if en {
			b.WriteString("Experts:\n")
		} else {
			b.WriteString("发布专家：\n")
		}
		for _, e := range c.Experts {
			f, _ := FieldByName(e.Field)
			b.WriteString("- " + f.Name(lang) + ": " + e.Name)
			if e.Affiliation != "" {
				b.WriteString(" (" + e.Affiliation + ")")
			}
			b.WriteString("\n")
		}
	}
	advice := c.Advice
	if en && c.AdviceEN != "" {
		advice = c.AdviceEN
	}
	if advice != "" {
		if en {
			b.WriteString("Health advice: ")
		} else {
			b.WriteString("健康提示：")
		}
		b.WriteString(advice + "\n")
	}
	if c.Status == Held && c.Reach > 0 {
		if en {
			fmt.Fprintf(&b, "Reach: %d\n", c.Reach)
		} else {
			fmt.Fprintf(&b, "传播量：%d\n", c.Reach)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
