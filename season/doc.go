// Package season gives the moments of the 24 solar terms (二十四节气) of a
// year, 1900 to 2100, in Beijing time (UTC+8) to the minute.
//
// A term's moment (交节时刻) is when the Sun's apparent geocentric ecliptic
// longitude (视黄经) reaches a multiple of 15°. The authority is the Purple
// Mountain Observatory (紫金山天文台), which publishes the moments rounded to
// the nearest minute. Where its minute is known the package ships it as data
// (official/terms.csv, see official/SOURCE.md) and that minute wins:
// Source Official. Elsewhere the moment is computed with
// github.com/6tail/lunar-go, a port of 许剑伟's 寿星天文历 (sxwnl), and
// rounded to the nearest minute the same way: Source Computed. The two
// ephemerides agree to seconds, but when the true second is near :30 the
// rounded minutes can differ, so a computed minute is good to ±1 minute.
//
// The package is pure: no net/http, no database/sql; its one module outside
// the standard library is lunar-go, itself dependency-free.
package season
