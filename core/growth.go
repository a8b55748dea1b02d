package core

import "math"

// The growth map's anchor points: (quick ratio, score).
var (
	lnHalf    = portableLog(0.5)
	lnOneHalf = portableLog(1.5)
	lnFive    = portableLog(5.0)
)

// GrowthScore maps a quick ratio to 0..100: piecewise linear in ln(QR) through
// (0.5, 0), (1.5, 50) and (5.0, 100), clamped outside. QR 1 gives 31.5 and QR 2
// gives 61.9; +Inf gives 100.
func GrowthScore(qr float64) float64 {
	switch {
	case qr <= 0.5 || qr != qr:
		return 0
	case qr >= 5:
		return 100
	}
	x := portableLog(qr)
	if x <= lnOneHalf {
		return 50 * (x - lnHalf) / (lnOneHalf - lnHalf)
	}
	return 50 + 50*(x-lnOneHalf)/(lnFive-lnOneHalf)
}

// QuickRatio is gained / dropped units. Inf is set when dropped = 0 < gained; it
// is written in JSON as "inf".
type QuickRatio struct {
	Value float64
	Inf   bool
}

// NewQuickRatio computes the quick ratio of SPEC: gained/dropped, +inf when
// dropped = 0 < gained, 1 when both are 0.
func NewQuickRatio(gained, dropped int) QuickRatio {
	switch {
	case dropped == 0 && gained == 0:
		return QuickRatio{Value: 1}
	case dropped == 0:
		return QuickRatio{Inf: true}
	}
	return QuickRatio{Value: float64(gained) / float64(dropped)}
}

// Float returns the ratio as a float64, +Inf when infinite.
func (q QuickRatio) Float() float64 {
	if q.Inf {
		return math.Inf(1)
	}
	return q.Value
}

// MarshalJSON writes the ratio as a number, or "inf".
func (q QuickRatio) MarshalJSON() ([]byte, error) {
	if q.Inf {
		return []byte(`"inf"`), nil
	}
	return appendFloat(nil, q.Value), nil
}

// UnmarshalJSON reads a number or "inf".
func (q *QuickRatio) UnmarshalJSON(b []byte) error {
	if string(b) == `"inf"` {
		*q = QuickRatio{Inf: true}
		return nil
	}
	v, err := parseJSONFloat(b)
	*q = QuickRatio{Value: v}
	return err
}

// Band names the display band of a score: investigate (< 60), fair (60-70),
// healthy (70-80), strong (80+).
func Band(pes float64) string {
	switch {
	case pes < 60:
		return "investigate"
	case pes < 70:
		return "fair"
	case pes < 80:
		return "healthy"
	}
	return "strong"
}
