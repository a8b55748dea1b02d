package core

// CalcInput are the numbers of the manual calculator (SPEC "Manual calculator").
type CalcInput struct {
	CoreEvents int    `json:"events"`    // K, core events in total
	Adopted    int    `json:"adopted"`   // core events adopted (mean per unit, may be rounded)
	DAU        int    `json:"dau"`       // daily active units
	WAU        int    `json:"wau"`       // weekly active units (wau/mau, dau/wau)
	MAU        int    `json:"mau"`       // monthly active units
	New        int    `json:"new"`       // units new in the period
	Recovered  int    `json:"recovered"` // units back after a break
	Dropped    int    `json:"dropped"`   // units lost
	Ratio      string `json:"ratio"`     // dau/mau (default), wau/mau or dau/wau
}

// CalcResult is the manual calculator's answer, with the report's key names.
type CalcResult struct {
	PES        *float64    `json:"pes"`
	Band       *string     `json:"band"`
	Adoption   *float64    `json:"adoption"`
	Stickiness *float64    `json:"stickiness"`
	Growth     *float64    `json:"growth"`
	QuickRatio *QuickRatio `json:"quick_ratio"`
	Counts     Counts      `json:"counts"`
	Settings   struct {
		Ratio string `json:"ratio"`
	} `json:"settings"`
}

// Calc computes the PES from numbers alone: adoption = 100 × adopted / K,
// stickiness = 100 × the chosen ratio, QR = (new + recovered) / dropped mapped
// by GrowthScore, PES = their mean. A component whose inputs are missing (K = 0,
// a zero denominator) is null, and so is the PES. The seed's example (12, 8, 50,
// 200, 40, 10, 25) gives 66.7, 25.0, 61.9 and 51.2.
func Calc(in CalcInput) (*CalcResult, error) {
	for _, v := range []struct {
		name string
		n    int
	}{{"events", in.CoreEvents}, {"adopted", in.Adopted}, {"dau", in.DAU}, {"wau", in.WAU}, {"mau", in.MAU},
		{"new", in.New}, {"recovered", in.Recovered}, {"dropped", in.Dropped}} {
		if v.n < 0 {
			return nil, KeyedErrorf("calc_negative", map[string]any{"field": v.name, "value": v.n},
				"calc: %s must be >= 0, got %d", v.name, v.n)
		}
	}
	if in.Adopted > in.CoreEvents {
		return nil, KeyedErrorf("calc_adopted_over", map[string]any{"adopted": in.Adopted, "events": in.CoreEvents},
			"calc: adopted (%d) cannot exceed the number of core events (%d)", in.Adopted, in.CoreEvents)
	}
	res := &CalcResult{}
	switch in.Ratio {
	case "", RatioDAUMAU:
		res.Settings.Ratio = RatioDAUMAU
		res.Stickiness = ratio(in.DAU, in.MAU)
	case RatioWAUMAU:
		res.Settings.Ratio = in.Ratio
		res.Stickiness = ratio(in.WAU, in.MAU)
	case RatioDAUWAU:
		res.Settings.Ratio = in.Ratio
		res.Stickiness = ratio(in.DAU, in.WAU)
	default:
		return nil, KeyedErrorf("calc_ratio", map[string]any{"value": in.Ratio},
			"calc: ratio %q is not one of dau/mau, wau/mau, dau/wau", in.Ratio)
	}
	if res.Stickiness != nil && *res.Stickiness > 100 {
		return nil, KeyedErrorf("calc_ratio_over", map[string]any{"ratio": res.Settings.Ratio},
			"calc: the ratio's numerator cannot exceed its denominator (%s)", res.Settings.Ratio)
	}
	if in.CoreEvents > 0 {
		res.Adoption = ptr(100 * float64(in.Adopted) / float64(in.CoreEvents))
	}
	qr := NewQuickRatio(in.New+in.Recovered, in.Dropped)
	res.QuickRatio = &qr
	res.Growth = ptr(GrowthScore(qr.Float()))
	res.Counts = Counts{Active: in.DAU, New: in.New, Recovered: in.Recovered, Dropped: in.Dropped}
	res.Counts.Active = in.MAU
	if res.Adoption != nil && res.Stickiness != nil {
		res.PES = ptr((*res.Adoption + *res.Stickiness + *res.Growth) / 3)
		b := Band(*res.PES)
		res.Band = &b
	}
	return res, nil
}

func ratio(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	return ptr(100 * float64(num) / float64(den))
}
