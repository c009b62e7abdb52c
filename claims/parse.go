package claims

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// maxNumericDate is 9999-12-31T23:59:59Z in seconds since the epoch: no token
// expires later, and the bound keeps float conversion within int64.
const maxNumericDate = 253402300799

// parseList undoes API Gateway's flattening of an array claim.
//
// Written by hand because no library reads this format: API Gateway renders
// an array the way Go's fmt prints a slice, "[a b c]", and leaves a string as
// it is. A value that opens a bracket must close it; anything else is one
// plain string, brackets or not.
func parseList(name, text string) ([]string, error) {
	if !strings.HasPrefix(text, "[") {
		return []string{text}, nil
	}
	if !strings.HasSuffix(text, "]") || len(text) < 2 {
		return nil, malformed(name, `a string or a flattened array such as "[a b]"`, text)
	}

	inner := text[1 : len(text)-1]
	if inner == "" {
		return nil, nil
	}
	return strings.Split(inner, " "), nil
}

// numericDate reads a JWT NumericDate (RFC 7519, section 2): seconds since the
// epoch, which API Gateway passes as decimal text. Fractions are allowed by
// the RFC and kept; a negative value or one past the year 9999 is not.
func numericDate(raw map[string]string, name string, required bool) (time.Time, error) {
	text, ok := raw[name]
	if !ok {
		if required {
			return time.Time{}, missing(name)
		}
		return time.Time{}, nil
	}
	const expected = "a NumericDate (decimal seconds since 1970, up to year 9999)"

	// The integer form is what API Gateway sends for every token seen so far;
	// reading it exactly avoids float rounding.
	if secs, err := strconv.ParseInt(text, 10, 64); err == nil {
		if secs < 0 || secs > maxNumericDate {
			return time.Time{}, malformed(name, expected, text)
		}
		return time.Unix(secs, 0).UTC(), nil
	}

	// Anything else must still be a finite number: a fraction, or exponent
	// notation such as "1.612061676e+09" should a number be printed as a float.
	// ParseFloat alone would also take "Inf" and hexadecimal, so the
	// characters are checked first.
	if strings.Trim(text, "0123456789.eE+-") != "" {
		return time.Time{}, malformed(name, expected, text)
	}
	value, err := strconv.ParseFloat(text, 64)
	if err != nil || value < 0 || value > maxNumericDate {
		return time.Time{}, malformed(name, expected, text)
	}
	secs, frac := math.Modf(value)
	return time.Unix(int64(secs), int64(math.Round(frac*1e9))).UTC(), nil
}
