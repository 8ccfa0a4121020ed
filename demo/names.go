package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// Name parts. Facility names are "{place}{part}{suffix}"; within one unit
// a part is used once per suffix, so names are unique where they are
// registered, as real registries require.

// townNames are common township names (乡镇名); 城关 comes first because
// nearly every county seat has one.
var townNames = strings.Fields(`城关 新集 龙泉 青山 白沙 东关 河口 石桥 马庄 黄庄
柳林 桃园 杨柳 三河 双桥 大庙 新村 高桥 李庄 王集 张店 陈集 刘集 赵庄 孙集 周庄
吴桥 郑店 冯庄 朱集 许庄 何集 梅林 松林 竹山 花园 凤凰 金山 银河 玉泉 长安 永安
太平 安乐 丰乐 清河 清水 龙门 龙潭 龙岗 虎山 鹤山 平原 平安 和平 兴隆 兴华 红星
东风 前进 胜利 团结 向阳 五里 十里 八里 沙河 石门 石岭 大营 小营 古城 新城 南关
北关 西关 白马 黄土 青龙 白云 马坊 枣林 杏花 桑园 茶坪 盐井 铁山 铜山 官庄 苏家
韩集 郭店 罗坪 谢集 宋庄 唐河 董集 袁庄 邓店 曹集 彭场 蒋庄 蔡桥 余庄 杜集 叶坪`)

// townFirst and townSecond make further town names when a county has more
// townships than townNames.
var (
	townFirst  = strings.Fields(`东 西 南 北 上 下 大 小 新 老 高 石 马 黄 红 金 玉 长 永 安 双 三 杨 柳 桃 梅 松 凤 鹤 龙`)
	townSecond = strings.Fields(`集 泉 山 沙 关 口 桥 坪 溪 塘 湾 庄 店 铺 营 寨 坝 河 湖 岭 坡 岗 屯 场 林 田 园 滩 洲 堡`)
)

// streetNames are common sub-district names (街道名) for community health
// centres.
var streetNames = strings.Fields(`东城 西城 南城 北城 城东 城西 城南 城北 新华 解放
人民 中山 和平 建设 胜利 友谊 文化 朝阳 光明 红旗 长安 东风 前进 幸福 团结 向阳
五一 民主 新村 花园 湖滨 滨江 江南 河东 河西 站前 桥东 桥西 府前 新城 南湖 北湖
东湖 青年 工农 兴华 兴隆 龙华 金桥 月湖 星光 育才 学府 体育 公园 鼓楼 钟楼 南门
北门 东门 西门 大东 文昌 文峰 长江 黄河 天山 泰山 华山 新开 凯旋 春华 振兴 繁荣
复兴 鼎新 南苑 北苑 东苑 西苑 车站 铁路 矿区 园区 开元 永宁 延安 沿河 临江`)

// privateNames are the names private hospitals give themselves.
var privateNames = strings.Fields(`仁爱 博爱 华康 安康 民生 济民 和平 长城 东方 现代
新华 华夏 阳光 同仁 仁济 仁和 慈济 康华 康泰 瑞康 泰康 永康 健民 益民 惠民 爱民
福康 百姓 平安 天和 德仁 嘉禾 恒康 宏康 金康 明仁 怡康 美华 友好 新世纪 中兴 光华
正和 国仁 景康 东华 中康 康乐 善德 济仁`)

// childcareNames and childcareSuffixes make childcare institution names.
var (
	childcareNames = strings.Fields(`小太阳 贝贝 童心 爱贝 小天使 彩虹 阳光 星星 蓝天
未来 七彩 快乐 萌芽 启航 亲亲 乐乐 宝贝 金色童年 小橡树 春苗 禾苗 新苗 育苗 花朵
童趣 小博士 爱心 好孩子 小精灵 睿智 小蜜蜂 小海豚 小白兔 棒棒 蒲公英 向日葵 小树苗
晨曦 明日之星 小脚丫 果果 糖果 小豆豆 米粒 童乐 欢乐 馨馨 安心 暖暖 小苹果 小荷
芽芽 悦童 贝乐 智慧树 梦想 彩虹桥 小天鹅 金贝`)
	childcareSuffixes = strings.Fields(`托育园 托育中心 幼儿托育所 托育服务中心 婴幼儿照护中心 托育之家`)
)

// townName returns the k-th town name: townNames, then combinations of
// townFirst and townSecond that are not in townNames.
func townName(k int) string {
	if k < len(townNames) {
		return townNames[k]
	}
	k -= len(townNames)
	n := len(townFirst) * len(townSecond)
	for j := 0; ; j++ {
		s := townFirst[j%len(townFirst)] + townSecond[(j/len(townFirst))%len(townSecond)]
		if j >= n {
			// More townships than names in one county: only at large
			// scales, where copies are told apart by their code anyway.
			s += strings.Repeat("新", j/n)
		}
		if slices.Contains(townNames, s) {
			continue
		}
		if k == 0 {
			return s
		}
		k--
	}
}

// shuffledTowns returns n town-name indexes for one county: 城关 first,
// then the others in random order; names beyond the list are generated.
func shuffledTowns(r *rand.Rand, n int) []int {
	out := make([]int, 0, n)
	if n == 0 {
		return out
	}
	out = append(out, 0)
	rest := r.Perm(len(townNames) - 1)
	for _, k := range rest {
		if len(out) == n {
			return out
		}
		out = append(out, k+1)
	}
	for k := len(townNames); len(out) < n; k++ {
		out = append(out, k)
	}
	return out
}

// shuffledStreets returns n street-name indexes for one district in random
// order; names beyond the list are generated.
func shuffledStreets(r *rand.Rand, n int) []int {
	if n == 0 {
		return nil
	}
	out := r.Perm(len(streetNames))
	if n <= len(out) {
		return out[:n]
	}
	for k := len(streetNames); len(out) < n; k++ {
		out = append(out, k)
	}
	return out
}

// streetName returns the k-th street name, generating combinations when a
// district has more centres than the list.
func streetName(k int) string {
	if k < len(streetNames) {
		return streetNames[k]
	}
	k -= len(streetNames)
	return townFirst[k%len(townFirst)] + streetNames[(k/len(townFirst))%len(streetNames)]
}

// childcareName returns the k-th childcare name of a unit: every name with
// every suffix, then the same with a street name in front.
func childcareName(place string, k int) string {
	n := len(childcareNames) * len(childcareSuffixes)
	base := childcareNames[k%len(childcareNames)] + childcareSuffixes[(k/len(childcareNames))%len(childcareSuffixes)]
	if k < n {
		return place + base
	}
	return place + streetName(k/n-1) + base
}
