package lifecycle

// Stage is a member's lifecycle stage at the end of a month.
type Stage uint8

// Stages, in lifecycle order.
const (
	Absent Stage = iota
	Prospect
	New
	Active
	Loyal
	AtRisk
	Lapsed
	WonBack
)

// NumStages counts the stages, Absent included.
const NumStages = int(WonBack) + 1

// Name is how a stage is shown, in both languages.
type Name struct {
	Key    string
	ZH, EN string
}

// Names lists every stage, indexed by Stage.
var Names = [NumStages]Name{
	Absent:   {"absent", "未入会", "Not yet a member"},
	Prospect: {"prospect", "潜在客户", "Prospect"},
	New:      {"new", "新客户", "New"},
	Active:   {"active", "活跃客户", "Active"},
	Loyal:    {"loyal", "忠诚客户", "Loyal"},
	AtRisk:   {"at_risk", "流失风险客户", "At risk"},
	Lapsed:   {"lapsed", "已流失客户", "Lapsed"},
	WonBack:  {"won_back", "回流客户", "Won back"},
}

// Key is the stage's stable key ("new", "at_risk" …).
func (s Stage) Key() string {
	if int(s) < NumStages {
		return Names[s].Key
	}
	return "invalid"
}

func (s Stage) String() string { return s.Key() }
