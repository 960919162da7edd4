package demo

// Mobile prefixes handed out by the three carriers. There are exactly 32 so
// the number space (32 × 10⁸) fits in 32 bits with little waste, which keeps
// the cycle-walking permutation below short.
var mobilePrefixes = [...]string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"176", "177", "178",
	"180", "181", "182", "185", "186", "187", "188", "189",
	"198", "199",
}

// phoneSpace is how many distinct numbers the generator can give out.
const phoneSpace = uint64(len(mobilePrefixes)) * 100_000_000

// phonePerm maps member indexes to mobile numbers one to one: a keyed
// four-round Feistel network over 32 bits, cycle-walked into phoneSpace. A
// bijection means no collisions however many members are drawn, without
// remembering the numbers already used.
type phonePerm struct {
	keys [4]uint64
}

func newPhonePerm(seed uint64) phonePerm {
	var p phonePerm
	for i := range p.keys {
		seed = mix(seed)
		p.keys[i] = seed
	}
	return p
}

func (p *phonePerm) feistel(x uint32) uint32 {
	l, r := x>>16, x&0xffff
	for _, k := range p.keys {
		l, r = r, l^uint32(mix(uint64(r)^k)&0xffff)
	}
	return l<<16 | r
}

// index returns the position in the number space of member i's phone.
func (p *phonePerm) index(i uint64) uint64 {
	x := uint32(i)
	for {
		x = p.feistel(x)
		if uint64(x) < phoneSpace {
			return uint64(x)
		}
	}
}

// phone returns member i's 11-digit mobile number; i must be below phoneSpace.
func (p *phonePerm) phone(i uint64) string {
	n := p.index(i)
	var b [11]byte
	copy(b[:3], mobilePrefixes[n/100_000_000])
	s := n % 100_000_000
	for k := 10; k >= 3; k-- {
		b[k] = byte('0' + s%10)
		s /= 10
	}
	return string(b[:])
}
