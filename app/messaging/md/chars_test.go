package md

import "testing"

// TestClassTable checks the ASCII table against the definitions it is built from.
func TestClassTable(t *testing.T) {
	t.Parallel()
	for c := uint16(0); c < 0x3000; c++ {
		if isDomainChar(c) != isDomainCharSlow(c) || isLocalAlnum(c) != isLocalAlnumSlow(c) || isLocalSpecial(c) != isLocalSpecialSlow(c) ||
			isExtra(c) != isExtraSlow(c) || isURLBodyChar(c) != isURLBodyCharSlow(c) || isNameChar(c) != isNameCharSlow(c) {
			t.Errorf("class mismatch at %#x", c)
		}
	}
}
