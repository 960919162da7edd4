package demo

import (
	"fmt"
)

// ProductSpec is one product of the demo catalogue. PriceFen is per piece,
// or per kilogram when Weight is set.
type ProductSpec struct {
	Code     string
	Barcode  string
	Name     string
	Category string
	Brand    string
	Weight   bool
	PriceFen int64
}

// shelf is one category of the catalogue and what it stocks.
type shelf struct {
	name  string
	items []stock
}

type stock struct {
	name   string
	brand  string
	price  int64 // fen per piece, or per kg when weight
	weight bool
}

// shelves is the demo catalogue: about 150 everyday items. Tobacco is
// there because loyalty rules commonly exclude it.
var shelves = []shelf{
	{"生鲜", []stock{
		{"鲜活基围虾", "", 9800, true}, {"冰鲜带鱼", "", 5600, true}, {"鲜活鲈鱼", "", 4200, true},
		{"三文鱼切片200g", "", 5990, false}, {"鲜豆腐", "", 350, false}, {"内酯豆腐", "", 250, false},
		{"手工水饺500g", "湾仔码头", 2290, false}, {"鲜切面条", "", 450, false}, {"鲜活花蛤", "", 2400, true},
		{"鲜鱿鱼", "", 3800, true}, {"速冻汤圆", "思念", 1290, false}, {"鲜毛豆", "", 1200, true},
		{"豆浆1L", "", 590, false}, {"千张", "", 680, false}, {"腐竹200g", "", 990, false},
	}},
	{"蔬菜水果", []stock{
		{"红富士苹果", "", 1280, true}, {"香蕉", "", 690, true}, {"砂糖橘", "", 990, true},
		{"西红柿", "", 680, true}, {"黄瓜", "", 560, true}, {"土豆", "", 360, true},
		{"上海青", "", 580, true}, {"大白菜", "", 260, true}, {"胡萝卜", "", 390, true},
		{"阳光玫瑰葡萄", "", 2980, true}, {"草莓一盒", "", 3990, false}, {"西兰花", "", 990, true},
		{"生姜", "", 1200, true}, {"大蒜", "", 1000, true}, {"小葱一把", "", 200, false},
	}},
	{"肉禽蛋", []stock{
		{"猪五花肉", "", 3200, true}, {"猪前腿肉", "", 2800, true}, {"猪排骨", "", 4600, true},
		{"牛腩", "", 7800, true}, {"冷鲜鸡腿", "", 2200, true}, {"鸡翅中", "", 4800, true},
		{"整鸡", "", 2600, true}, {"土鸡蛋10枚", "", 1990, false}, {"鲜鸡蛋30枚", "德青源", 2890, false},
		{"咸鸭蛋6枚", "", 1590, false}, {"羊肉卷500g", "", 4590, false}, {"肉糜", "", 2600, true},
		{"培根200g", "荷美尔", 1990, false}, {"鹌鹑蛋", "", 1800, true}, {"午餐肉罐头340g", "梅林", 1650, false},
	}},
	{"乳制品", []stock{
		{"纯牛奶250ml×12", "伊利", 5990, false}, {"纯牛奶250ml×12", "蒙牛", 5690, false}, {"鲜牛奶950ml", "光明", 1690, false},
		{"原味酸奶450g", "光明", 1290, false}, {"安慕希酸奶205g×12", "伊利", 6590, false}, {"养乐多5瓶", "养乐多", 1150, false},
		{"奶酪棒", "妙可蓝多", 3990, false}, {"低脂牛奶1L", "", 1390, false}, {"酸奶杯100g×8", "君乐宝", 1990, false},
		{"黄油227g", "安佳", 3590, false}, {"豆奶250ml×6", "维他", 1890, false}, {"奶粉400g", "雀巢", 6800, false},
		{"芝士片", "百吉福", 2290, false}, {"冰淇淋", "八喜", 1090, false}, {"鲜奶吧", "新希望", 690, false},
	}},
	{"粮油调味", []stock{
		{"东北大米5kg", "福临门", 4590, false}, {"五常大米5kg", "", 7990, false}, {"花生油5L", "鲁花", 15990, false},
		{"调和油5L", "金龙鱼", 7990, false}, {"生抽500ml", "海天", 990, false}, {"老抽500ml", "海天", 1090, false},
		{"香醋500ml", "恒顺", 890, false}, {"食盐400g", "中盐", 300, false}, {"白砂糖500g", "", 690, false},
		{"挂面1kg", "金沙河", 1290, false}, {"面粉2.5kg", "香雪", 2290, false}, {"鸡精200g", "太太乐", 990, false},
		{"蚝油", "李锦记", 1290, false}, {"豆瓣酱", "郫县", 990, false}, {"香油", "太太乐", 1590, false},
	}},
	{"零食饮料", []stock{
		{"可口可乐330ml", "可口可乐", 300, false}, {"农夫山泉550ml", "农夫山泉", 200, false}, {"冰红茶", "康师傅", 350, false},
		{"薯片", "乐事", 790, false}, {"奥利奥饼干", "奥利奥", 990, false}, {"每日坚果", "三只松鼠", 4990, false},
		{"方便面5连包", "康师傅", 1390, false}, {"辣条", "卫龙", 590, false}, {"元气森林", "元气森林", 550, false},
		{"旺旺雪饼", "旺旺", 1290, false}, {"德芙巧克力", "德芙", 1590, false}, {"果粒橙1.25L", "美汁源", 890, false},
		{"散装瓜子", "", 2600, true}, {"散装糖果", "", 3600, true}, {"王老吉310ml×6", "王老吉", 2190, false},
	}},
	{"酒水", []stock{
		{"青岛啤酒500ml", "青岛", 600, false}, {"雪花啤酒500ml×12", "雪花", 4290, false}, {"百威啤酒", "百威", 850, false},
		{"牛栏山二锅头", "牛栏山", 1600, false}, {"红星二锅头", "红星", 1500, false}, {"五粮液普五", "五粮液", 105900, false},
		{"洋河海之蓝", "洋河", 14900, false}, {"古越龙山黄酒", "古越龙山", 2890, false}, {"长城干红", "长城", 6800, false},
		{"张裕干红", "张裕", 8800, false}, {"石库门上海老酒", "石库门", 2590, false}, {"江小白", "江小白", 2290, false},
		{"RIO鸡尾酒", "RIO", 1090, false}, {"汾酒", "汾酒", 9900, false}, {"剑南春", "剑南春", 42900, false},
	}},
	{"个护清洁", []stock{
		{"洗衣液3kg", "蓝月亮", 4990, false}, {"洗洁精", "立白", 1290, false}, {"洗发水", "海飞丝", 4590, false},
		{"沐浴露", "六神", 3290, false}, {"牙膏", "云南白药", 2890, false}, {"牙刷4支", "高露洁", 1990, false},
		{"卷纸10卷", "维达", 3990, false}, {"抽纸6包", "清风", 2590, false}, {"洗衣粉", "雕牌", 2290, false},
		{"消毒液", "84", 1590, false}, {"洗手液", "滴露", 2490, false}, {"卫生巾", "苏菲", 2590, false},
		{"面霜", "大宝", 1890, false}, {"剃须刀", "吉列", 4990, false}, {"湿巾", "心相印", 990, false},
	}},
	{"日用百货", []stock{
		{"垃圾袋", "", 990, false}, {"保鲜膜", "妙洁", 1590, false}, {"一次性手套", "", 590, false},
		{"电池5号4粒", "南孚", 1990, false}, {"拖鞋", "", 1990, false}, {"毛巾", "洁丽雅", 1590, false},
		{"晾衣架10只", "", 1290, false}, {"保温杯", "", 5990, false}, {"雨伞", "天堂", 3990, false},
		{"蚊香", "榄菊", 1290, false}, {"打火机", "", 200, false}, {"收纳箱", "", 3590, false},
		{"抹布", "", 690, false}, {"碗筷套装", "", 2990, false}, {"灯泡", "欧普", 1590, false},
	}},
	{"烟草", []stock{
		{"中华(硬)", "中华", 4500, false}, {"中华(软)", "中华", 7000, false}, {"红双喜(沪)", "红双喜", 1300, false},
		{"利群(新版)", "利群", 1800, false}, {"玉溪(软)", "玉溪", 2300, false}, {"黄鹤楼(软蓝)", "黄鹤楼", 1900, false},
		{"南京(炫赫门)", "南京", 1800, false}, {"芙蓉王(硬)", "芙蓉王", 2500, false}, {"云烟(紫)", "云烟", 1100, false},
		{"牡丹(软)", "牡丹", 1200, false}, {"熊猫(硬)", "熊猫", 10000, false}, {"红塔山(经典)", "红塔山", 1000, false},
		{"苏烟(五星红杉树)", "苏烟", 3000, false}, {"黄金叶(天叶)", "黄金叶", 10000, false}, {"白沙(精品)", "白沙", 1000, false},
	}},
}

// Products returns the demo catalogue, the same for every Options: codes
// P0001… in shelf order, each with an EAN-13 barcode.
func (g *Generator) Products() []ProductSpec {
	var out []ProductSpec
	for _, sh := range shelves {
		for _, it := range sh.items {
			n := len(out) + 1
			out = append(out, ProductSpec{
				Code:     fmt.Sprintf("P%04d", n),
				Barcode:  ean13(fmt.Sprintf("692%09d", 100000+n)),
				Name:     it.name,
				Category: sh.name,
				Brand:    it.brand,
				Weight:   it.weight,
				PriceFen: it.price,
			})
		}
	}
	return out
}

// ean13 appends the check digit to 12 digits.
func ean13(d string) string {
	sum := 0
	for i, c := range d {
		v := int(c - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return d + string(rune('0'+(10-sum%10)%10))
}

// Products returns the demo catalogue; see Generator.Products.
func Products(opt Options) []ProductSpec { return New(opt).Products() }
