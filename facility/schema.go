// Package facility holds the facility registries (机构名录): hospitals,
// primary-care institutions, childcare institutions, blood stations and
// 12356 hotline lines. Every registry is described by a Schema, a list of
// typed fields; a Record is one version of one facility, holding from its
// ValidFrom date until the next version of the same code. That one shape
// serves the store (one versioned table per registry), the importer and
// exporter (one column per field) and the pages (one row per field), so a
// field added to a schema reaches all of them.
//
// The package is pure: no HTTP, no SQL.
package facility

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the type of a field's values.
type Kind int

// Field kinds. Values held in a Record are: string (Text, Enum, Region,
// Date — dates as "2006-01-02", "" for none), int64 (Int) and bool (Bool).
const (
	Text Kind = iota
	Int
	Bool
	Date
	Enum
	Region
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Int:
		return "integer"
	case Bool:
		return "yes/no"
	case Date:
		return "date"
	case Enum:
		return "choice"
	case Region:
		return "region code"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Option is one allowed value of an Enum field: the stored code and its
// Chinese and English labels.
type Option struct {
	Code, ZH, EN string
}

// Field describes one attribute of a registry.
type Field struct {
	Key      string // column name in the store and English header
	ZH, EN   string // headers and labels
	Kind     Kind
	Required bool
	Options  []Option // Enum only
	Min      int64    // Int only: smallest allowed value
	Max      int64    // Int only: largest allowed value; 0 means no limit
	// RegionLevel says which region codes a Region field accepts.
	RegionLevel RegionRule
}

// RegionRule says which units a Region field may name.
type RegionRule int

// Region rules.
const (
	// CountyLevel accepts units where facilities are registered: county-level
	// units and prefecture-level cities without counties (东莞, 中山, ...).
	CountyLevel RegionRule = iota
	// PrefectureLevel accepts prefecture-level units, the four
	// municipalities themselves (a city-wide hotline) and their districts and
	// counties, which the notice counts as prefectures (直辖市的区县).
	PrefectureLevel
	// AnyLevel accepts any province, prefecture or county.
	AnyLevel
)

// Label returns the field's header in lang ("zh" or "en").
func (f Field) Label(lang string) string {
	if lang == "en" {
		return f.EN
	}
	return f.ZH
}

// Option returns the option whose code, Chinese label or English label is v.
func (f Field) Option(v string) (Option, bool) {
	for _, o := range f.Options {
		if v == o.Code || v == o.ZH || strings.EqualFold(v, o.EN) {
			return o, true
		}
	}
	return Option{}, false
}

// Schema describes one registry.
type Schema struct {
	Name   string // registry name used in URLs, file names and the CLI: "hospitals"
	Table  string // store table holding its versions
	ZH, EN string
	Fields []Field
	// Check validates rules across fields of one record (more affordable
	// slots than slots, ...). Field-level rules (types, ranges, options)
	// are checked by the parser before Check runs.
	Check func(s *Schema, r Record) []FieldError
}

// Label returns the registry's name in lang.
func (s *Schema) Label(lang string) string {
	if lang == "en" {
		return s.EN
	}
	return s.ZH
}

// Index returns the position of the field with the given key, or -1.
func (s *Schema) Index(key string) int {
	return slices.IndexFunc(s.Fields, func(f Field) bool { return f.Key == key })
}

// Field returns the field with the given key; it panics on an unknown key,
// which is a programming error.
func (s *Schema) Field(key string) Field {
	i := s.Index(key)
	if i < 0 {
		panic("facility: no field " + key + " in " + s.Name)
	}
	return s.Fields[i]
}

// RegionField returns the index of the schema's region field.
func (s *Schema) RegionField() int {
	return slices.IndexFunc(s.Fields, func(f Field) bool { return f.Kind == Region })
}

// Registries returns the schemas of all registries, in display order.
func Registries() []*Schema {
	return []*Schema{Hospitals, PrimaryCare, Childcare, BloodStations, Hotlines}
}

// Lookup returns the schema of the registry with the given name.
func Lookup(name string) (*Schema, bool) {
	for _, s := range Registries() {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

var yesNo = []Option{{"1", "是", "yes"}, {"0", "否", "no"}}

// Hospitals is the hospital registry (医院): grade, type, ownership and the
// services the commitments ask about, each with its capacity.
var Hospitals = &Schema{
	Name: "hospitals", Table: "hospital_versions", ZH: "医院", EN: "Hospitals",
	Fields: []Field{
		{Key: "name", ZH: "机构名称", EN: "name", Kind: Text, Required: true},
		{Key: "region", ZH: "所在县区代码", EN: "region", Kind: Region, Required: true},
		{Key: "grade", ZH: "等级", EN: "grade", Kind: Enum, Required: true, Options: []Option{
			{"3", "三级", "level 3"}, {"2", "二级", "level 2"}, {"1", "一级", "level 1"}, {"0", "未定级", "unrated"}}},
		{Key: "type", ZH: "类别", EN: "type", Kind: Enum, Required: true, Options: []Option{
			{"general", "综合医院", "general"},
			{"tcm", "中医医院", "TCM"},
			{"integrated", "中西医结合医院", "integrated"},
			{"ethnic", "民族医医院", "ethnic medicine"},
			{"specialty", "专科医院", "specialty"},
			{"maternal_child", "妇幼保健院", "maternal and child"},
			{"children", "儿童医院", "children's"},
			{"psychiatric", "精神专科医院", "psychiatric"},
			{"rehabilitation", "康复医院", "rehabilitation"}}},
		{Key: "ownership", ZH: "所有制", EN: "ownership", Kind: Enum, Required: true, Options: []Option{
			{"public", "公立", "public"}, {"private", "民营", "private"}}},
		{Key: "pediatrics", ZH: "儿科服务", EN: "pediatrics", Kind: Enum, Required: true, Options: []Option{
			{"none", "无", "none"},
			{"own", "自设儿科", "own department"},
			{"alliance", "医联体派驻", "via medical alliance"},
			{"remote", "远程会诊", "remote"}}},
		{Key: "ped_outpatient", ZH: "儿科门诊", EN: "pediatric outpatient", Kind: Bool},
		{Key: "ped_beds", ZH: "儿科床位", EN: "pediatric beds", Kind: Int, Max: 10000},
		{Key: "pediatricians", ZH: "儿科医师", EN: "pediatricians", Kind: Int, Max: 5000},
		{Key: "ped_nurses", ZH: "儿科护士", EN: "pediatric nurses", Kind: Int, Max: 10000},
		{Key: "psychiatry", ZH: "精神科", EN: "psychiatry department", Kind: Bool},
		{Key: "psych_clinic", ZH: "心理门诊", EN: "psychological clinic", Kind: Bool},
		{Key: "sleep_clinic", ZH: "睡眠门诊", EN: "sleep clinic", Kind: Bool},
		{Key: "dialysis_machines", ZH: "血液透析机", EN: "dialysis machines", Kind: Int, Max: 2000},
		{Key: "dialysis_physicians", ZH: "透析医师", EN: "dialysis physicians", Kind: Int, Max: 1000},
		{Key: "dialysis_nurses", ZH: "透析护士", EN: "dialysis nurses", Kind: Int, Max: 2000},
		{Key: "water_units", ZH: "水处理设备", EN: "water treatment units", Kind: Int, Max: 200},
		{Key: "green_channel", ZH: "0-3岁危重症绿色通道", EN: "0-3 critical-care green channel", Kind: Bool},
		{Key: "outpatient_deposit", ZH: "仍收门诊预交金", EN: "outpatient deposit charged", Kind: Bool},
	},
	Check: checkHospital,
}

// PrimaryCare is the registry of primary-care institutions (基层医疗卫生机构):
// township health centres and community health service centres.
var PrimaryCare = &Schema{
	Name: "primarycare", Table: "primary_care_versions", ZH: "基层医疗卫生机构", EN: "Primary care",
	Fields: []Field{
		{Key: "name", ZH: "机构名称", EN: "name", Kind: Text, Required: true},
		{Key: "region", ZH: "所在县区代码", EN: "region", Kind: Region, Required: true},
		{Key: "type", ZH: "类别", EN: "type", Kind: Enum, Required: true, Options: []Option{
			{"township", "乡镇卫生院", "township health centre"},
			{"community", "社区卫生服务中心", "community health centre"}}},
		{Key: "ped_common", ZH: "能诊治儿童常见病", EN: "treats common pediatric illness", Kind: Bool},
	},
}

// Childcare is the registry of childcare institutions for children aged 3
// and under (托育机构), with their slots and affordable (普惠) slots.
var Childcare = &Schema{
	Name: "childcare", Table: "childcare_versions", ZH: "托育机构", EN: "Childcare",
	Fields: []Field{
		{Key: "name", ZH: "机构名称", EN: "name", Kind: Text, Required: true},
		{Key: "region", ZH: "所在县区代码", EN: "region", Kind: Region, Required: true},
		{Key: "slots", ZH: "托位数", EN: "slots", Kind: Int, Required: true, Max: 5000},
		{Key: "affordable_slots", ZH: "普惠托位数", EN: "affordable slots", Kind: Int, Max: 5000},
		{Key: "certified_on", ZH: "普惠认定日期", EN: "affordable certification date", Kind: Date},
		{Key: "monthly_fee", ZH: "月收费(元)", EN: "monthly fee (yuan)", Kind: Int, Max: 100000},
	},
	Check: checkChildcare,
}

// BloodStations is the registry of blood stations (采供血机构).
var BloodStations = &Schema{
	Name: "bloodstations", Table: "blood_station_versions", ZH: "采供血机构", EN: "Blood stations",
	Fields: []Field{
		{Key: "name", ZH: "机构名称", EN: "name", Kind: Text, Required: true},
		{Key: "region", ZH: "所在地区代码", EN: "region", Kind: Region, Required: true, RegionLevel: AnyLevel},
		{Key: "type", ZH: "类别", EN: "type", Kind: Enum, Required: true, Options: []Option{
			{"centre", "血液中心", "blood centre"},
			{"station", "中心血站", "central blood station"},
			{"bank", "中心血库", "central blood bank"}}},
		{Key: "on_platform", ZH: "接入跨省血费减免平台", EN: "on cross-province reimbursement platform", Kind: Bool},
	},
}

// Hotlines is the register of 12356 psychological assistance hotline lines
// (心理援助热线), one per line, judged per prefecture.
var Hotlines = &Schema{
	Name: "hotlines", Table: "hotline_versions", ZH: "12356心理援助热线", EN: "12356 hotlines",
	Fields: []Field{
		{Key: "name", ZH: "热线名称", EN: "name", Kind: Text, Required: true},
		{Key: "region", ZH: "所在地市代码", EN: "region", Kind: Region, Required: true, RegionLevel: PrefectureLevel},
		{Key: "number", ZH: "号码", EN: "number", Kind: Text, Required: true},
		{Key: "seats", ZH: "坐席数", EN: "seats", Kind: Int, Required: true, Max: 1000},
		{Key: "counsellors", ZH: "受训接线员", EN: "trained counsellors", Kind: Int, Max: 5000},
		{Key: "opened_on", ZH: "开通日期", EN: "opened on", Kind: Date},
	},
}

func checkHospital(s *Schema, r Record) []FieldError {
	var errs []FieldError
	ped := r.String(s, "pediatrics")
	if ped == "none" && (r.Int(s, "ped_beds") > 0 || r.Int(s, "pediatricians") > 0) {
		errs = append(errs, FieldError{Field: "pediatrics", Msg: msg("儿科服务为“无”，但填写了儿科床位或医师", "pediatrics is none but pediatric beds or pediatricians are given")})
	}
	m := r.Int(s, "dialysis_machines")
	if m == 0 && (r.Int(s, "dialysis_physicians") > 0 || r.Int(s, "dialysis_nurses") > 0 || r.Int(s, "water_units") > 0) {
		errs = append(errs, FieldError{Field: "dialysis_machines", Msg: msg("没有透析机，却填写了透析人员或水处理设备", "no dialysis machines but dialysis staff or water treatment units are given")})
	}
	return errs
}

func checkChildcare(s *Schema, r Record) []FieldError {
	var errs []FieldError
	slots, affordable := r.Int(s, "slots"), r.Int(s, "affordable_slots")
	if affordable > slots {
		errs = append(errs, FieldError{Field: "affordable_slots", Msg: msg(
			fmt.Sprintf("普惠托位数 %d 大于托位数 %d", affordable, slots),
			fmt.Sprintf("%d affordable slots exceed %d slots", affordable, slots))})
	}
	if affordable > 0 && r.String(s, "certified_on") == "" {
		errs = append(errs, FieldError{Field: "certified_on", Msg: msg("有普惠托位但缺少普惠认定日期", "affordable slots need a certification date")})
	}
	return errs
}
