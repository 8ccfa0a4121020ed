package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// Notice is one State Council General Office notice on holiday
// arrangements (国务院办公厅关于部分节假日安排的通知) as the holiday-cn
// project publishes it: one JSON file per year.
type Notice struct {
	// Year is the year the notice arranges and the file is named after.
	// It is not the year of every date: a New Year's Day arrangement may
	// list days of the December before (2019's notice lists 2018-12-29).
	Year int
	// Papers are the gov.cn addresses of the notice and of any later
	// notice amending it (2020 has two).
	Papers []string
	// Days are the days the notice names, in file order. A weekend that
	// merely joins a holiday is not named: it stays an ordinary weekend.
	Days []ListedDay
}

// ListedDay is one day a notice names.
type ListedDay struct {
	// Name is the holiday the day belongs to, as the notice writes it:
	// "春节", "国庆节、中秋节".
	Name string
	// Date is the day.
	Date Date
	// OffDay is true for a day off and false for a working day: a weekend
	// day worked in exchange (调休上班), or a weekday a notice names to
	// end an extended holiday (2020-02-03).
	OffDay bool
}

// noticeFile is the holiday-cn schema; pointers tell a missing field from
// a zero one.
type noticeFile struct {
	Year   *int       `json:"year"`
	Papers []string   `json:"papers"`
	Days   []*dayFile `json:"days"`
}

type dayFile struct {
	Name     string `json:"name"`
	Date     string `json:"date"`
	IsOffDay *bool  `json:"isOffDay"`
}

// ParseNotice reads one holiday-cn file:
//
//	{"year": 2025, "papers": ["https://www.gov.cn/..."],
//	 "days": [{"name": "元旦", "date": "2025-01-01", "isOffDay": true}, ...]}
//
// Fields outside the schema ("$schema", "$id") are ignored. year and every
// day's name, date and isOffDay are required, and a date must fall within
// a year of the notice's year. A file with no days is valid: upstream
// publishes such placeholders before a notice exists, and New treats the
// year as having no notice.
func ParseNotice(data []byte) (Notice, error) {
	var f noticeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Notice{}, fmt.Errorf("notice: %w", err)
	}
	if f.Year == nil {
		return Notice{}, errors.New("notice: no year")
	}
	n := Notice{Year: *f.Year, Papers: f.Papers}
	for i, d := range f.Days {
		if d == nil {
			return Notice{}, fmt.Errorf("notice %d: days[%d]: null", n.Year, i)
		}
		if d.IsOffDay == nil {
			return Notice{}, fmt.Errorf("notice %d: days[%d]: no isOffDay", n.Year, i)
		}
		date, err := ParseDate(d.Date)
		if err != nil {
			return Notice{}, fmt.Errorf("notice %d: days[%d]: %w", n.Year, i, err)
		}
		n.Days = append(n.Days, ListedDay{Name: d.Name, Date: date, OffDay: *d.IsOffDay})
	}
	if err := n.validate(); err != nil {
		return Notice{}, err
	}
	return n, nil
}

// validate checks what New relies on: a notice speaks about its own year
// and its neighbours, names every day, lists a date once, and a working
// day belongs to a holiday with a day off.
func (n Notice) validate() error {
	if n.Year < 1 || n.Year > 9999 {
		return fmt.Errorf("notice %d: year out of range 1–9999", n.Year)
	}
	seen := make(map[Date]ListedDay, len(n.Days))
	hasOff := map[string]bool{}
	for i, d := range n.Days {
		if strings.TrimSpace(d.Name) == "" {
			return fmt.Errorf("notice %d: days[%d] (%s): no name", n.Year, i, d.Date)
		}
		if strings.ContainsFunc(d.Name, unicode.IsControl) {
			return fmt.Errorf("notice %d: days[%d] (%s): control character in name %q", n.Year, i, d.Date, d.Name)
		}
		if y := d.Date.Year(); y < n.Year-1 || y > n.Year+1 {
			return fmt.Errorf("notice %d: days[%d]: %s is more than a year away", n.Year, i, d.Date)
		}
		if prev, ok := seen[d.Date]; ok && prev != d {
			return fmt.Errorf("notice %d: days[%d]: %s listed twice, as %s and as %s", n.Year, i, d.Date, describe(prev), describe(d))
		}
		seen[d.Date] = d
		if d.OffDay {
			hasOff[d.Name] = true
		}
	}
	for i, d := range n.Days {
		if !d.OffDay && !hasOff[d.Name] {
			return fmt.Errorf("notice %d: days[%d]: %s is a working day of %q, which has no day off", n.Year, i, d.Date, d.Name)
		}
	}
	return nil
}

// describe names a listed day in error messages: "春节 (day off)".
func describe(d ListedDay) string {
	if d.OffDay {
		return d.Name + " (day off)"
	}
	return d.Name + " (working day)"
}

// Load reads every *.json file at the top of fsys as a holiday-cn notice
// (see ParseNotice) and merges them with New. A file named after a year
// ("2025.json") must hold that year's notice. Official loads the embedded
// files this way; Load lets a test or an operator try a notice the binary
// does not carry yet.
func Load(fsys fs.FS) (*Calendar, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	notices := make([]Notice, 0, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		// Tolerate a UTF-8 byte order mark, which Windows editors add and
		// encoding/json refuses.
		n, err := ParseNotice(bytes.TrimPrefix(data, []byte("\uFEFF")))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if y, err := strconv.Atoi(strings.TrimSuffix(path.Base(name), ".json")); err == nil && y != n.Year {
			return nil, fmt.Errorf("%s: holds the notice for %d", name, n.Year)
		}
		notices = append(notices, n)
	}
	return New(notices...)
}
