// Package region is the administrative hierarchy (行政区划) of mainland China
// down to county level: 31 province-level units, 333 prefecture-level units
// and 2,846 county-level units (MCA 2024 edition), with their 2020 census
// resident population.
//
// The data is embedded, so a binary always answers with the edition it was
// tested against. The package is pure: it does no I/O beyond reading its own
// embedded files and imports neither net/http nor database/sql.
//
// The hierarchy is the legal one, not the statistical one: there are no fake
// "市辖区" prefectures under the municipalities and no "省直辖县级行政区划"
// placeholders. Units that the statistical tables hang under such
// placeholders sit directly under their province here, and their Kind says
// so.
package region

import (
	"fmt"
	"strings"
)

// CountryCode is the code of the synthetic root of the tree, 全国 (China).
// GB/T 2260 has no code for the country; six zeros sort before every real
// code and cannot collide with one.
const CountryCode = "000000"

// Level is the tier of a unit in the three-tier hierarchy (行政级别) plus the
// country on top. Targets are set and judged per level, so it is kept apart
// from the finer Kind.
type Level int

// The levels, from the root down. The numeric values are the depth in the
// tree.
const (
	Country    Level = iota // 全国
	Province                // 省级: provinces, autonomous regions and municipalities
	Prefecture              // 地级: prefecture-level cities, 地区, 自治州, 盟
	County                  // 县级: districts, counties, county-level cities, banners
)

var levelNames = [...]struct{ code, zh, en string }{
	Country:    {"country", "全国", "Country"},
	Province:   {"province", "省级", "Province-level"},
	Prefecture: {"prefecture", "地级", "Prefecture-level"},
	County:     {"county", "县级", "County-level"},
}

// String returns the stable machine name ("country", "province",
// "prefecture", "county"), the form used in files and URLs and read back by
// ParseLevel.
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l].code
}

// Label returns the name shown to people: Chinese (全国/省级/地级/县级) when
// lang starts with "zh" (so "zh-CN" works too), English otherwise.
func (l Level) Label(lang string) string {
	if l < 0 || int(l) >= len(levelNames) {
		return l.String()
	}
	if isChinese(lang) {
		return levelNames[l].zh
	}
	return levelNames[l].en
}

// ParseLevel reads a level at the edge of the program. It accepts the
// String form in any letter case and the Chinese label, because both turn up
// in spreadsheets people fill in.
func ParseLevel(s string) (Level, error) {
	t := strings.TrimSpace(s)
	for l, n := range levelNames {
		if strings.EqualFold(t, n.code) || t == n.zh {
			return Level(l), nil
		}
	}
	return 0, fmt.Errorf("parse level %q: want country, province, prefecture or county", s)
}

// Kind says what sort of unit a division is, finer than its Level. Several
// rules depend on it: a municipality's districts count as prefectures when
// targets are judged "per prefecture", and facilities are registered directly
// in a prefecture-level city that has no counties.
type Kind int

// The kinds. A Kind is derived from the hierarchy and the name, never stored
// in the data, so the constants may be renumbered.
const (
	// KindCountry is the synthetic root, 全国.
	KindCountry Kind = iota
	// KindProvince is a province (省) or autonomous region (自治区).
	KindProvince
	// KindMunicipality is a municipality directly under the central
	// government (直辖市): 北京, 天津, 上海, 重庆. It is province-level and
	// has districts and counties but no prefectures.
	KindMunicipality
	// KindPrefecture is a prefecture-level unit with counties below it:
	// 地级市, 地区, 自治州 or 盟.
	KindPrefecture
	// KindPrefectureWithoutCounties is a prefecture-level city without
	// districts (不设区的地级市): 东莞 441900, 中山 442000, 儋州 460400,
	// 嘉峪关 620200. Towns report to the city directly, so it plays the
	// role of a county as well.
	KindPrefectureWithoutCounties
	// KindMunicipalDistrict is a district or county of a municipality
	// (直辖市的区县). It is county-level but is judged like a prefecture.
	KindMunicipalDistrict
	// KindProvinceAdministeredCounty is a county-level unit governed by its
	// province with no prefecture in between (省直辖县级行政单位), e.g.
	// 419001 济源, 429004 仙桃, 469001 五指山 and the 兵团 cities 659001….
	KindProvinceAdministeredCounty
	// KindUrbanDistrict is a district of a prefecture-level city (市辖区).
	KindUrbanDistrict
	// KindCounty is any other county-level unit under a prefecture: 县,
	// 自治县, 县级市, 旗, 自治旗 or 特区 (六枝特区).
	KindCounty
)

var kindNames = [...]struct{ code, zh, en string }{
	KindCountry:                    {"country", "全国", "Country"},
	KindProvince:                   {"province", "省/自治区", "Province or autonomous region"},
	KindMunicipality:               {"municipality", "直辖市", "Municipality"},
	KindPrefecture:                 {"prefecture", "地级单位", "Prefecture"},
	KindPrefectureWithoutCounties:  {"prefecture_without_counties", "不设区的地级市", "Prefecture-level city without counties"},
	KindMunicipalDistrict:          {"municipal_district", "直辖市的区县", "District or county of a municipality"},
	KindProvinceAdministeredCounty: {"province_administered_county", "省直辖县级单位", "County-level unit under the province"},
	KindUrbanDistrict:              {"urban_district", "市辖区", "Urban district"},
	KindCounty:                     {"county", "县级单位", "County"},
}

// String returns the stable machine name, e.g. "municipal_district".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k].code
}

// Label returns the name shown to people: Chinese when lang starts with
// "zh", English otherwise.
func (k Kind) Label(lang string) string {
	if k < 0 || int(k) >= len(kindNames) {
		return k.String()
	}
	if isChinese(lang) {
		return kindNames[k].zh
	}
	return kindNames[k].en
}

// Division is one administrative unit (行政区划单位). It is a plain value:
// copies are cheap and safe to keep.
type Division struct {
	// Code is the six-digit GB/T 2260 code (行政区划代码), e.g. "110101".
	Code string
	// Name is the official Chinese name with its suffix, e.g. "东城区".
	Name string
	// NameEn is plain Hanyu Pinyin without the administrative suffix, e.g.
	// "Dongcheng"; it is not the official romanisation of minority names.
	NameEn string
	// Level is the tier in the hierarchy.
	Level Level
	// Parent is the code of the unit directly above; "" only for the
	// country.
	Parent string
	// Kind is what sort of unit this is.
	Kind Kind
}

// PopulationSource says where a population figure comes from, because a
// figure given by the census and one added up from sub-units are not equally
// good: county figures leave out development zones.
type PopulationSource int

// The population sources.
const (
	// Census means the figure is given for this unit in the 7th national
	// census (第七次全国人口普查, 2020).
	Census PopulationSource = iota
	// Sum means no figure is given for this unit, so it is the sum of its
	// children's figures (下级合计).
	Sum
	// Missing means there is no figure and nothing to add up (缺失).
	Missing
	// Reported means a user supplied the figure (上报数): a newer yearbook
	// or an estimate, imported with its year and note.
	Reported
)

var sourceNames = [...]struct{ code, zh, en string }{
	Census:   {"census", "普查数", "Census"},
	Sum:      {"sum", "下级合计", "Sum of sub-units"},
	Missing:  {"missing", "缺失", "Missing"},
	Reported: {"reported", "上报数", "Reported"},
}

// String returns the stable machine name: "census", "sum" or "missing".
func (s PopulationSource) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return fmt.Sprintf("PopulationSource(%d)", int(s))
	}
	return sourceNames[s].code
}

// Label returns the name shown to people: Chinese when lang starts with
// "zh", English otherwise.
func (s PopulationSource) Label(lang string) string {
	if s < 0 || int(s) >= len(sourceNames) {
		return s.String()
	}
	if isChinese(lang) {
		return sourceNames[s].zh
	}
	return sourceNames[s].en
}

// Population is the resident population (常住人口) of a unit with its
// provenance, so a report can say how far a figure is to be trusted.
type Population struct {
	// Value is the number of residents; 0 when Source is Missing.
	Value int64
	// Source says whether Value was given or added up.
	Source PopulationSource
	// Year is the census year, 2020; 0 when Source is Missing.
	Year int
	// Note is the source_note of the census row, or for a Sum an
	// explanation of what was added.
	Note string
	// Missing lists, sorted by code, the descendants with no figure that a
	// Sum could not include, so a reader knows the sum is short.
	Missing []string
}

// isChinese reports whether lang asks for Chinese labels. Matching the
// prefix lets "zh", "zh-CN" and "zh-Hans" all work.
func isChinese(lang string) bool {
	return len(lang) >= 2 && strings.EqualFold(lang[:2], "zh")
}
