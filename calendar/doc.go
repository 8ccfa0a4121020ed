// Package calendar answers working-day questions for China: whether a date
// is worked, and which date is n working days after another, with the
// annual holiday arrangements (节假日安排) and their adjusted working days
// (调休) taken into account.
//
// The arrangements are not derived from rules. 《全国年节及纪念日放假办法》
// fixes the statutory holidays (13 days since 2025, 国务院令第795号), but
// which weekdays join them and which weekends are worked in exchange is
// decided each year by a State Council General Office notice. Each notice is
// data: the package embeds the holiday-cn files for 2007 to 2026 (Official,
// Source) and can read newer ones (ParseNotice, Load, New). For a year
// without a notice it refuses (ErrNoOfficialCalendar, "no official calendar
// for 2027") unless the caller asks for plain Monday to Friday weeks
// (Calendar.WithPlainWeekends), and then every result says it is a
// fallback. It never guesses.
//
// Dates are Date values, days of the civil calendar without a time or a
// zone; ParseDate and Date.String use the "YYYY-MM-DD" of the store, DateOf
// takes the date in China (UTC+8) of an instant.
//
// Counting follows one convention: AddWorkdays(d, n) is the n-th working day
// strictly after d, and WorkdaysBetween(a, b) counts the working days in
// (a, b].
//
// The package is pure Go: no net/http, no database/sql, nothing outside the
// standard library.
package calendar
