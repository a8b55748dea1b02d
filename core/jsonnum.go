package core

import (
	"math"
	"strconv"
)

// appendFloat writes a float as a JSON number at full precision (shortest
// representation that reads back exactly).
func appendFloat(b []byte, v float64) []byte {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func parseJSONFloat(b []byte) (float64, error) {
	return strconv.ParseFloat(string(b), 64)
}
