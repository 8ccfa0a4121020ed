package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/season"
	"github.com/shishi-health/shishi/store"
)

// streamConferences is the random stream of the conferences' panels.
const streamConferences uint64 = 102

// The demo's seasonal health press conferences (时令节气与健康):
//
//	2025  the series starts with 雨水 (02-18), after the notice of 02-13:
//	      21 planned, 大暑's merged into 小暑's and cancelled, 20 held
//	      (the notice's "20场以上", met on 冬至, 12-21)
//	2026  all 24 planned; those whose date falls on or before
//	      conferencesHeldUntil held, the rest planned
//
// Each is held on the last weekday before its term, at 15:00
// Beijing time, recorded the day after; its panel has two or three
// experts of the fields its theme needs. The experts' names are made up
// (demo data); the themes and advice are ordinary seasonal health advice.
const (
	firstTerm2025        = 4 // 雨水
	cancelledTerm2025    = 14
	conferencesHeldUntil = "2026-11-22"
)

// termContent is what a term's conference is about.
type termContent struct {
	theme, themeEN   string
	fields           []string
	advice, adviceEN string
}

// termContents are the 24 terms' themes and advice, 小寒 first.
var termContents = [24]termContent{
	{"小寒防寒保暖与心脑血管健康", "Keeping warm in Minor Cold, and the heart and brain", []string{"western", "tcm", "chronic"},
		"气温低，注意头颈和足部保暖；高血压、心脑血管病患者坚持服药，清晨外出避免骤冷；室内常通风。",
		"Keep the head, neck and feet warm; people with hypertension or heart disease keep taking their medicines and avoid sudden cold early in the morning; air rooms daily."},
	{"大寒时节呼吸道疾病防治", "Respiratory illness in Major Cold", []string{"infectious", "cdc", "western"},
		"流感等呼吸道传染病高发，出现发热咳嗽及时就医，老人儿童尽早接种疫苗，人多处佩戴口罩。",
		"Flu and other respiratory infections peak: see a doctor for fever and cough, vaccinate older people and children early, and wear a mask in crowds."},
	{"立春养肝与作息调整", "Start of Spring: liver care and daily rhythm", []string{"tcm", "exercise"},
		"早睡早起，适度户外活动舒展筋骨；饮食宜清淡，少食油腻辛辣；注意“春捂”，不宜过早减衣。",
		"Sleep and rise early, stretch outdoors in moderation, eat light food, and do not shed warm clothes too soon."},
	{"雨水时节防湿防寒与脾胃调养", "Rain Water: damp, cold and digestion", []string{"tcm", "nutrition"},
		"降雨增多、湿气渐重，注意防寒祛湿；饮食规律，少吃生冷；关节病患者注意保暖。",
		"Rain and damp increase: keep warm and dry, eat regular meals with little cold raw food, and keep joints warm."},
	{"惊蛰传染病防控", "Awakening of Insects: infectious disease control", []string{"cdc", "infectious"},
		"气温回升，病媒生物开始活动，做好环境清洁和防蚊灭鼠；勤洗手，预防诺如病毒等肠道传染病。",
		"Pests wake as it warms: clean surroundings, control mosquitoes and rodents, and wash hands to prevent norovirus and other gut infections."},
	{"春分过敏性疾病防治", "Spring Equinox: allergies", []string{"western", "cdc"},
		"花粉浓度升高，过敏人群外出佩戴口罩和眼镜，回家清洗面部鼻腔；哮喘患者随身携带药物。",
		"Pollen rises: people with allergies wear a mask and glasses outdoors and rinse face and nose at home; people with asthma carry their inhaler."},
	{"清明心理调适与踏青安全", "Pure Brightness: feelings and safe outings", []string{"mental", "exercise"},
		"祭扫时注意情绪调适，哀伤难以缓解可拨打12356心理援助热线；踏青注意防火、防蜱虫叮咬。",
		"Mind your feelings at the tomb-sweeping; if grief will not ease, call the 12356 hotline; on outings beware of fire and ticks."},
	{"谷雨防湿与运动健身", "Grain Rain: damp and exercise", []string{"exercise", "tcm"},
		"雨量增多，注意健脾祛湿；循序渐进增加运动量，运动前充分热身，避免运动损伤。",
		"More rain: care for digestion and damp; increase exercise gradually and warm up well to avoid injury."},
	{"立夏心血管健康", "Start of Summer: heart health", []string{"western", "chronic", "tcm"},
		"天气渐热，保持心情平和，午间适当休息；少量多次饮水，控制盐和油的摄入。",
		"As it warms, stay calm, rest at noon, drink water little and often, and cut salt and oil."},
	{"小满防湿热与皮肤病防治", "Grain Buds: damp heat and skin", []string{"tcm", "western"},
		"湿热交织，皮肤病易发，衣着宽松透气；饮食清淡，少吃肥甘厚味。",
		"Damp heat brings skin trouble: wear loose breathable clothes and eat light food."},
	{"芒种防暑与合理膳食", "Grain in Ear: heat and a balanced diet", []string{"nutrition", "cdc"},
		"气温高、出汗多，及时补充水分和电解质；食物注意生熟分开，预防食源性疾病。",
		"Heat and sweat: replace water and salts; keep raw and cooked food apart to prevent food-borne illness."},
	{"夏至防中暑与作息", "Summer Solstice: heatstroke and rest", []string{"western", "tcm", "exercise"},
		"避免正午高温时段户外活动，老人、儿童、户外劳动者重点防暑；保证睡眠，适当午休。",
		"Avoid the midday heat outdoors, protect older people, children and outdoor workers, and sleep enough with a short nap."},
	{"小暑肠道传染病与食品安全", "Minor Heat: gut infections and food safety", []string{"cdc", "infectious", "nutrition"},
		"肠道传染病高发，饭前便后洗手，不吃变质食物，剩饭剩菜彻底加热；不喝生水。",
		"Gut infections peak: wash hands, throw away spoiled food, reheat leftovers thoroughly, and do not drink unboiled water."},
	{"大暑防暑降温与慢性病管理", "Major Heat: cooling and chronic disease", []string{"chronic", "western"},
		"高温下慢性病患者按时服药、监测血压血糖；空调温度不宜过低，室内外温差不超过7℃。",
		"In the heat, people with chronic disease take their medicines and check blood pressure and glucose; keep air conditioning within 7 °C of outside."},
	{"立秋饮食调养", "Start of Autumn: diet", []string{"nutrition", "tcm"},
		"暑热未退，不宜急于“贴秋膘”；多吃新鲜蔬果，少吃辛辣，预防秋燥。",
		"The heat lingers: do not rush to fatten up; eat fresh fruit and vegetables, little spicy food, and guard against autumn dryness."},
	{"处暑防秋燥与睡眠健康", "End of Heat: dryness and sleep", []string{"tcm", "mental"},
		"早晚温差变大，注意添衣；保持规律作息，睡眠不好可到睡眠门诊就诊。",
		"Mornings and evenings cool: add a layer; keep regular hours, and see a sleep clinic if sleep is poor."},
	{"白露呼吸道健康与过敏防治", "White Dew: airways and allergies", []string{"western", "tcm"},
		"昼夜温差大，预防感冒和哮喘发作；过敏性鼻炎患者减少接触花粉和尘螨。",
		"Wide day-night swings: prevent colds and asthma attacks; people with rhinitis avoid pollen and dust mites."},
	{"秋分心理健康与情绪调节", "Autumn Equinox: mental health", []string{"mental", "exercise"},
		"秋季情绪易低落，多晒太阳、适度运动、与亲友交流；持续情绪低落可寻求专业帮助或拨打12356。",
		"Moods dip in autumn: get sunlight, exercise, talk with family and friends; if low mood persists, seek help or call 12356."},
	{"寒露保暖与关节健康", "Cold Dew: warmth and joints", []string{"tcm", "chronic"},
		"气温下降，注意足部和关节保暖；老年人晨练不宜过早，防跌倒。",
		"It turns cold: keep feet and joints warm; older people should not exercise too early in the morning, and should guard against falls."},
	{"霜降流感防控与疫苗接种", "Frost's Descent: flu and vaccination", []string{"cdc", "infectious"},
		"流感季来临，老人、儿童、慢性病患者和医务人员尽早接种流感疫苗；出现症状居家休息。",
		"Flu season begins: older people, children, people with chronic disease and health workers get the flu vaccine early; stay home when ill."},
	{"立冬心脑血管疾病预防", "Start of Winter: heart and stroke", []string{"western", "chronic", "tcm"},
		"寒冷刺激易诱发心脑血管疾病，注意保暖，监测血压；识别卒中“BE FAST”早期症状，及时拨打120。",
		"Cold can trigger heart attacks and strokes: keep warm, watch blood pressure, learn the BE FAST signs of stroke and call 120 at once."},
	{"小雪防寒保暖与呼吸道疾病防治", "Minor Snow: keeping warm and respiratory illness", []string{"western", "infectious", "tcm"},
		"气温骤降，注意防寒保暖，预防流感和肺炎；室内定时通风，取暖注意预防一氧化碳中毒。",
		"Temperatures drop: keep warm and guard against flu and pneumonia; air rooms regularly and prevent carbon-monoxide poisoning from heating."},
	{"大雪冬季运动与防跌倒", "Major Snow: winter exercise and falls", []string{"exercise", "western"},
		"雪天路滑，老年人外出防跌倒；冬季运动选择阳光充足时段，充分热身。",
		"Snow makes roads slippery: older people guard against falls; exercise in sunny hours and warm up fully."},
	{"冬至养生与慢性病管理", "Winter Solstice: winter care and chronic disease", []string{"tcm", "chronic", "nutrition"},
		"饮食温补适度，控制总热量；慢性病患者规律服药和复诊，保证充足睡眠。",
		"Eat warming food in moderation and watch calories; people with chronic disease keep to medicines and check-ups, and sleep enough."},
}

// affiliations are the demo experts' units and titles by field.
var affiliations = map[string][]string{
	"tcm":        {"中医医院 主任医师", "中医药大学附属医院 主任医师"},
	"western":    {"综合医院 主任医师", "综合医院 呼吸与危重症医学科主任医师"},
	"cdc":        {"疾病预防控制中心 研究员", "疾病预防控制中心 主任医师"},
	"nutrition":  {"营养与健康研究所 研究员", "综合医院 临床营养科主任医师"},
	"exercise":   {"体育科学研究所 研究员", "运动医学研究所 主任医师"},
	"mental":     {"精神卫生中心 主任医师", "心理卫生协会 心理治疗师"},
	"chronic":    {"慢性病防治中心 主任医师", "综合医院 心血管内科主任医师"},
	"infectious": {"传染病医院 主任医师", "综合医院 感染科主任医师"},
}

var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
	givenNames = []rune("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰海波宁")
)

// ConferencePlan returns the demo's conferences of year (2025 or 2026;
// none for other years).
func ConferencePlan(year int, o Options) ([]conference.Conference, error) {
	o = o.normalized()
	if year != 2025 && year != 2026 {
		return nil, nil
	}
	r := rand.New(rand.NewPCG(o.Seed, streamConferences+uint64(year)))
	moments, err := season.Terms(year)
	if err != nil {
		return nil, err
	}
	var out []conference.Conference
	for i, m := range moments {
		term := i + 1
		if year == 2025 && term < firstTerm2025 {
			continue
		}
		tc := termContents[i]
		day := m.At.AddDate(0, 0, -1)
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, -1)
		}
		c := conference.Conference{Year: year, Term: term, Date: day.Format("2006-01-02"), Time: "15:00",
			Theme: tc.theme, ThemeEN: tc.themeEN, Advice: tc.advice, AdviceEN: tc.adviceEN, Status: conference.Planned}
		for _, f := range tc.fields {
			names := affiliations[f]
			name := string(surnames[r.IntN(len(surnames))]) + string(givenNames[r.IntN(len(givenNames))])
			if r.IntN(2) == 0 {
				name += string(givenNames[r.IntN(len(givenNames))])
			}
			c.Experts = append(c.Experts, conference.Expert{Field: f, Name: name, Affiliation: names[r.IntN(len(names))]})
		}
		switch {
		case year == 2025 && term == cancelledTerm2025:
			c.Status = conference.Cancelled
		case year == 2025 || c.Date <= conferencesHeldUntil:
			c.Status = conference.Held
			c.HeldOn = c.Date
			c.RecordedOn = day.AddDate(0, 0, 1).Format("2006-01-02")
			// example.org: the demo has no real recordings to link to.
			c.RecordingURL = fmt.Sprintf("https://example.org/shishi-demo/jieqi/%d-%02d", year, term)
			c.Reach = int64(800_000 + r.IntN(2_400_000))
		}
		out = append(out, c)
	}
	return out, nil
}

// LoadConferences writes the demo's conferences of 2025 and 2026 into st,
// each held one recorded on the day after, and returns how many it wrote.
// A year that already has conferences is left as it is.
func LoadConferences(ctx context.Context, st *store.Store, o Options) (int, error) {
	n := 0
	for _, year := range []int{2025, 2026} {
		have, err := st.Conferences(ctx, year)
		if err != nil {
			return n, err
		}
		if len(have) > 0 {
			continue
		}
		cs, err := ConferencePlan(year, o)
		if err != nil {
			return n, err
		}
		// PutConferences records a conference held on the day given; the
		// demo's were recorded the day after each, so they go one by one.
		for _, c := range cs {
			today := c.RecordedOn
			if today == "" {
				today = c.Date
			}
			if _, err := st.PutConferences(ctx, []conference.Conference{c}, today, audit.Entry{Actor: "system", ActorRole: "system"}); err != nil {
				return n, fmt.Errorf("demo conferences %d: %w", year, err)
			}
			n++
		}
	}
	return n, nil
}
