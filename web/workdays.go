package web

import (
	"sync"

	"github.com/shishi-health/shishi/calendar"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/figure"
)

// officialCalendar is the State Council's holiday calendar, parsed once:
// it is embedded data, the same for every server.
var officialCalendar = sync.OnceValues(func() (*calendar.Calendar, error) {
	c, err := calendar.Official()
	if err != nil {
		return nil, err
	}
	// A report due in a year whose notice is not out yet (late December
	// figures due in January) counts plain weekdays rather than failing;
	// the notice for the next year is out by then in practice.
	return c.WithPlainWeekends(), nil
})

// addWorkdays adds n working days to a date on the official calendar, for
// the deadlines of periodic figures ("due 5 working days after the month").
func (s *Server) addWorkdays(date string, n int) (string, error) {
	c, err := officialCalendar()
	if err != nil {
		return "", err
	}
	d, err := calendar.ParseDate(date)
	if err != nil {
		return "", err
	}
	r, err := c.AddWorkdays(d, n)
	if err != nil {
		return "", err
	}
	return r.Date.String(), nil
}

// figureCatalog is the catalog of the figures the shipped commitments
// declare; figure.DefaultCatalog if they cannot be read, which the
// commitment package's tests rule out.
func (s *Server) figureCatalog() *figure.Catalog {
	sets, err := commitment.Builtin()
	if err == nil {
		cat, err := commitment.FigureCatalog(sets)
		if err == nil {
			return cat
		}
		s.log.Error("figure catalog of the commitments files", "err", err)
	}
	return figure.DefaultCatalog()
}
