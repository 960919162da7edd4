package rfm

// Segment is a named RFM segment. The zero value None marks a member that has
// not bought and was not scored.
type Segment uint8

// Segments, in the order reports list them (best first).
const (
	None Segment = iota
	Champions
	Loyal
	PotentialLoyalist
	New
	Promising
	NeedAttention
	AboutToSleep
	AtRisk
	CantLose
	Hibernating
	Lost
)

// NumSegments counts the segments including None.
const NumSegments = int(Lost) + 1

// Name is how a segment or value class is shown, in both languages.
type Name struct {
	Key      string
	ZH, EN   string
	AdviceZH string // what to do with these members
	AdviceEN string
}

// Names lists every segment, indexed by Segment.
var Names = [NumSegments]Name{
	None:              {"none", "未消费", "No purchase", "引导首次消费", "Encourage a first purchase"},
	Champions:         {"champions", "冠军客户", "Champions", "给予奖励与新品优先体验，邀请推荐", "Reward them, give early access, ask for referrals"},
	Loyal:             {"loyal", "忠诚客户", "Loyal", "推荐更高价值商品，邀请评价", "Offer higher-value products, ask for reviews"},
	PotentialLoyalist: {"potential_loyalist", "潜在忠诚客户", "Potential loyalist", "推荐会员权益与积分计划", "Offer membership benefits and points"},
	New:               {"new", "新客户", "New", "做好首单后的跟进与欢迎礼", "Welcome them and follow up after the first purchase"},
	Promising:         {"promising", "有潜力客户", "Promising", "发放试用装或小额优惠券", "Give samples or a small coupon"},
	NeedAttention:     {"need_attention", "需要关注客户", "Need attention", "限时优惠，按购买记录推荐", "Time-limited offers based on past purchases"},
	AboutToSleep:      {"about_to_sleep", "即将沉睡客户", "About to sleep", "推送热销商品与优惠，重新建立联系", "Share best sellers and discounts to reconnect"},
	AtRisk:            {"at_risk", "有流失风险客户", "At risk", "个性化召回消息与优惠", "Send personalised win-back messages and offers"},
	CantLose:          {"cant_lose", "不能流失客户", "Can't lose", "电话回访，了解原因并挽回", "Call them, learn why they left, win them back"},
	Hibernating:       {"hibernating", "沉睡客户", "Hibernating", "推送高性价比商品与活动", "Offer good-value products and events"},
	Lost:              {"lost", "已流失客户", "Lost", "低成本唤醒，无回应则不再投入", "Try a low-cost reactivation, then stop spending"},
}

// Key is the segment's stable key ("champions", "at_risk" …).
func (s Segment) Key() string {
	if int(s) < NumSegments {
		return Names[s].Key
	}
	return "invalid"
}

func (s Segment) String() string { return s.Key() }

// segmentGrid[R-1][FM-1] is the segment map given in the package comment.
var segmentGrid = [5][5]Segment{
	{Lost, Hibernating, AtRisk, AtRisk, CantLose},                     // R = 1
	{Hibernating, Hibernating, AtRisk, AtRisk, CantLose},              // R = 2
	{AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal},         // R = 3
	{Promising, PotentialLoyalist, PotentialLoyalist, Loyal, Loyal},   // R = 4
	{New, PotentialLoyalist, PotentialLoyalist, Champions, Champions}, // R = 5
}

// SegmentOf maps scores R, F and M (each 1–5) to a segment; None when any is
// out of range.
func SegmentOf(r, f, m int) Segment {
	if r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5 {
		return None
	}
	return segmentGrid[r-1][FM(f, m)-1]
}

// FM folds the frequency and monetary scores into one: ⌊(f+m)/2⌋.
func FM(f, m int) int { return (f + m) / 2 }

// ValueClass is the high / mid / low value class. The zero value ValueNone
// marks a member that was not scored.
type ValueClass uint8

// Value classes.
const (
	ValueNone ValueClass = iota
	ValueLow
	ValueMid
	ValueHigh
)

// NumValueClasses counts the value classes including ValueNone.
const NumValueClasses = int(ValueHigh) + 1

// ValueNames lists every value class, indexed by ValueClass.
var ValueNames = [NumValueClasses]Name{
	ValueNone: {"none", "未消费", "No purchase", "引导首次消费", "Encourage a first purchase"},
	ValueLow:  {"low", "低价值客户", "Low value", "用促销提高到店频次", "Use promotions to raise visit frequency"},
	ValueMid:  {"mid", "中价值客户", "Mid value", "推荐组合购买提高客单价", "Suggest bundles to raise the basket"},
	ValueHigh: {"high", "高价值客户", "High value", "专属服务与会员权益，重点维护", "Give dedicated service and member benefits"},
}

// Key is the class's stable key ("high", "mid", "low").
func (v ValueClass) Key() string {
	if int(v) < NumValueClasses {
		return ValueNames[v].Key
	}
	return "invalid"
}

func (v ValueClass) String() string { return v.Key() }

// ValueOf maps frequency and average-spend levels (each 1–3) to a value class.
func ValueOf(freqLevel, spendLevel int) ValueClass {
	if freqLevel < 1 || freqLevel > 3 || spendLevel < 1 || spendLevel > 3 {
		return ValueNone
	}
	switch s := freqLevel + spendLevel; {
	case s >= 5:
		return ValueHigh
	case s == 4:
		return ValueMid
	default:
		return ValueLow
	}
}
